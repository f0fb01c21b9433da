import { canonicalJson } from "../platform/audit-chain";
import { sha256Hex } from "../platform/crypto";

/**
 * The agent-claims family's arithmetic, as the vendor documents it (see the README for what
 * Vigil leaves out). Time is counted in zeqonds: periods of a 1.287 Hz clock.
 */
export const ZEQOND_HZ = 1.287;

export const zeqondOf = (unixMs: number) => Math.floor((unixMs / 1000) * ZEQOND_HZ);
/** The first millisecond inside the zeqond. */
export const unixMsOf = (zeqond: number) => Math.ceil((zeqond / ZEQOND_HZ) * 1000);

export const BUILT_IN_CLAIM_TYPES = [
  "process_spawn",
  "binary_execution",
  "network_exfil",
  "c2_callback",
  "persistence_install",
  "privesc_attempt",
  "lateral_move",
  "self_tamper",
] as const;
export type BuiltInClaimType = (typeof BUILT_IN_CLAIM_TYPES)[number];

/** Custom types live in an organisation's dotted namespace, e.g. `acme.honey.token_touched`. */
export const CUSTOM_CLAIM_TYPE = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+){2,}$/;

export const HF_IDS = Array.from({ length: 20 }, (_, i) => `HF${i + 1}`);
/** HF5, HF16 and HF20 count double in the composite; every other operator counts once. */
export const HF_WEIGHTS: Record<string, number> = Object.fromEntries(
  HF_IDS.map((id) => [id, id === "HF5" || id === "HF16" || id === "HF20" ? 2 : 1]),
);

export const DEFAULT_THETA = 0.85;

export interface HfScore {
  hf_id: string;
  value: number;
}

/** The weighted mean of the scores given (each in [0, 1]); null when there are none. */
export function compositeScore(scores: readonly HfScore[]): number | null {
  let sum = 0;
  let weights = 0;
  for (const s of scores) {
    const w = HF_WEIGHTS[s.hf_id];
    if (w === undefined) continue;
    sum += w * s.value;
    weights += w;
  }
  return weights === 0 ? null : Math.round((sum / weights) * 1000) / 1000;
}

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
const ratio = (a: unknown, b: unknown) => {
  const [x, y] = [num(a), num(b)];
  return x === null || y === null || y <= 0 ? null : Math.min(1, Math.max(0, x / y));
};

/**
 * When an agent sends no `hf_scores`, each built-in type's primary operator is derived from
 * payload features (documented in the README); null when the payload lacks them.
 */
export const DERIVED_HF: Record<
  BuiltInClaimType,
  { hf_id: string; feature: string; derive: (p: Record<string, unknown>) => number | null }
> = {
  process_spawn: {
    hf_id: "HF8",
    feature: "instances_in_30_pulses / max_instances",
    derive: (p) => ratio(p.instances_in_30_pulses, p.max_instances),
  },
  binary_execution: {
    hf_id: "HF3",
    feature: "1 - prevalence (share of the fleet that has run this binary)",
    derive: (p) => (num(p.prevalence) === null ? null : 1 - Math.min(1, Math.max(0, num(p.prevalence)!))),
  },
  network_exfil: {
    hf_id: "HF12",
    feature: "bytes_out / (bytes_out + baseline_bytes_out)",
    derive: (p) => ratio(p.bytes_out, (num(p.bytes_out) ?? 0) + (num(p.baseline_bytes_out) ?? 0)),
  },
  c2_callback: {
    hf_id: "HF15",
    feature: "1 - interval_jitter_ms / mean_interval_ms (beacon regularity)",
    derive: (p) => {
      const j = ratio(p.interval_jitter_ms, p.mean_interval_ms);
      return j === null ? null : 1 - j;
    },
  },
  persistence_install: {
    hf_id: "HF5",
    feature: "1 for an autorun location, 0.5 otherwise",
    derive: (p) => (typeof p.autorun === "boolean" ? (p.autorun ? 1 : 0.5) : null),
  },
  privesc_attempt: {
    hf_id: "HF16",
    feature: "1 when the target privilege is root/SYSTEM, 0.6 otherwise",
    derive: (p) => (typeof p.target_privilege === "string" ? (/^(root|system)$/i.test(p.target_privilege) ? 1 : 0.6) : null),
  },
  lateral_move: {
    hf_id: "HF11",
    feature: "distinct_hosts_in_30_pulses / max_hosts",
    derive: (p) => ratio(p.distinct_hosts_in_30_pulses, p.max_hosts),
  },
  self_tamper: { hf_id: "HF20", feature: "1 (an agent tampering with itself is always primary evidence)", derive: () => 1 },
};

/** Captures within one 30-zeqond window ("30 pulses") share a fingerprint bucket. */
export const FINGERPRINT_BUCKET_ZEQONDS = 30;

type ClaimIdentity = {
  claim_type: string;
  claim_payload: Record<string, unknown>;
  device_id: string;
  captured_at_zeqond: number;
};

const timeBucket = (zeqond: number) => Math.floor(zeqond / FINGERPRINT_BUCKET_ZEQONDS);

/**
 * SHA-256 of the RFC 8785 canonical JSON of the claim's identity and its capture bucket, so
 * peers can match a threat without exchanging payloads. (Key order by UTF-16 code units and
 * ECMAScript number form are what `canonicalJson` produces.)
 */
export function claimFingerprint(claim: ClaimIdentity): Promise<string> {
  const { claim_type, claim_payload, device_id } = claim;
  return sha256Hex(canonicalJson({ claim_type, claim_payload, device_id, time_bucket: timeBucket(claim.captured_at_zeqond) }));
}

/**
 * The fingerprint without the device: device ids are per machine, so the same threat seen on
 * two machines never shares a fingerprint. Peers match each other's fires by this instead.
 */
export function claimIndicator(claim: ClaimIdentity): Promise<string> {
  const { claim_type, claim_payload } = claim;
  return sha256Hex(canonicalJson({ claim_type, claim_payload, time_bucket: timeBucket(claim.captured_at_zeqond) }));
}

/** A subscriber's own claim gains this much when ≥ TRUST_MIN_PUBLISHERS others fired its indicator. */
export const TRUST_BONUS = 0.05;
export const TRUST_MIN_PUBLISHERS = 2;
