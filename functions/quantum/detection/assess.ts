import { sha256Hex } from "../../platform/crypto";
import type { AssetKind, Material } from "./material";
import {
  assessPrimitive,
  DEPRECATED_AFTER,
  worstVerdict,
  type NistIr8547,
  type PrimitiveAssessment,
  type ShorImpact,
  type Verdict,
} from "./primitives";

export const ATTACK_MODELS = ["shor", "grover", "annealing"] as const;
export type AttackModel = (typeof ATTACK_MODELS)[number];

/** End of the year after which IR 8547 deprecates 112-bit quantum-vulnerable schemes. */
export const DEPRECATION_CUTOFF_MS = Date.parse(`${DEPRECATED_AFTER}T23:59:59.999Z`);

export interface AssetAssessment {
  fingerprint: string;
  kind: AssetKind;
  algorithm: string;
  key_bits: number | null;
  curve: string | null;
  subject: string | null;
  not_after: string | null;
  classical_security_bits: number | null;
  quantum: {
    shor: ShorImpact;
    grover_security_bits: number | null;
    annealing_relevant: boolean;
    harvest_now_decrypt_later: boolean;
  };
  quantum_vulnerable: boolean;
  verdict: Verdict;
  /** Why what this asset protects outlives the arrival of quantum attacks, or null when it does not. */
  long_lived_secret: string | null;
  nist_ir_8547: NistIr8547 | null;
  replacement: string | null;
  components: PrimitiveAssessment[];
  notes: string[];
  details: Record<string, unknown>;
}

const minOf = (values: (number | null)[]) => {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? Math.min(...known) : null;
};

function combinedShor(parts: PrimitiveAssessment[]): ShorImpact {
  if (parts.some((p) => p.shor === "broken")) return "broken";
  return parts.some((p) => p.shor === "mitigated_by_hybrid") ? "mitigated_by_hybrid" : "not_applicable";
}

/**
 * A quantum-vulnerable asset guards a long-lived secret when:
 * - it is a bare key (SPKI, PKCS#1/#8, JWK, SSH): nothing bounds how long it is trusted;
 * - it is a certificate still valid after 2030-12-31, the first IR 8547 cut-off;
 * - it establishes keys (TLS key exchange, JWE key management): traffic recorded today can be
 *   decrypted once the exchange is broken, however short the session was.
 * JWS headers and TLS signature-only parts sign short-lived things: forging them later gains little.
 */
function longLivedSecret(m: Material, vulnerable: boolean, hndl: boolean, now: number): string | null {
  if (!vulnerable) return null;
  if (m.lifetime === "unbounded") return "A key with no expiry of its own: it stays trusted until someone retires it";
  if (m.lifetime === "bounded")
    return m.notAfter && m.notAfter > DEPRECATION_CUTOFF_MS && m.notAfter > now
      ? `Certificate valid until ${new Date(m.notAfter).toISOString().slice(0, 10)}, past the ${DEPRECATED_AFTER} deprecation date`
      : null;
  return hndl ? "Key establishment: traffic recorded now can be decrypted once the exchange is broken" : null;
}

export async function assessMaterial(m: Material, now: number): Promise<AssetAssessment> {
  const parts = m.primitives.map(assessPrimitive);
  const verdict = worstVerdict(parts.map((p) => p.verdict));
  const worst = parts.find((p) => p.verdict === verdict) ?? parts[0]!;
  const shor = combinedShor(parts);
  const hndl = parts.some((p) => p.harvest_now_decrypt_later);
  const vulnerable = shor === "broken";
  return {
    fingerprint: await sha256Hex(m.fingerprintInput),
    kind: m.kind,
    algorithm: m.algorithm,
    key_bits: worst.key_bits,
    curve: worst.curve,
    subject: m.subject ?? null,
    not_after: m.notAfter ? new Date(m.notAfter).toISOString() : null,
    classical_security_bits: minOf(parts.map((p) => p.classical_security_bits)),
    quantum: {
      shor,
      grover_security_bits: minOf(parts.map((p) => p.grover_security_bits)),
      annealing_relevant: parts.some((p) => p.annealing_relevant),
      harvest_now_decrypt_later: hndl,
    },
    quantum_vulnerable: vulnerable,
    verdict,
    long_lived_secret: longLivedSecret(m, vulnerable, hndl, now),
    nist_ir_8547: parts.find((p) => p.nist_ir_8547)?.nist_ir_8547 ?? null,
    replacement: worst.replacement,
    components: parts.length > 1 ? parts : [],
    notes: [...new Set(parts.flatMap((p) => p.notes))],
    details: m.details,
  };
}

/** The attack models the caller did not ask about are left out of each asset's `quantum` block. */
export function selectModels(a: AssetAssessment, models: readonly AttackModel[]) {
  const { shor, grover_security_bits, annealing_relevant, harvest_now_decrypt_later } = a.quantum;
  return {
    ...a,
    quantum: {
      ...(models.includes("shor") && { shor }),
      ...(models.includes("grover") && { grover_security_bits }),
      ...(models.includes("annealing") && { annealing_relevant }),
      harvest_now_decrypt_later,
    },
  };
}
