import type { canaryHits } from "../../../schema";
import { decryptText } from "../../platform/auth/keys";
import { isoTime } from "../../platform/time";
import type { CheckResult } from "./bb84";
import type { ListStatus } from "./schemas";
import type { CanaryToken } from "./tripwire";

/** What `canary_tokens.simulation` holds: the prepared state and the last check run on it. */
export interface StoredSimulation {
  quantum_state: string;
  last_check: CheckResult & { at: string };
}

/** What `secrets_ciphertext` decrypts to: the owner sees both again on every read. */
export interface TokenSecrets {
  url_token: string;
  decoy: string;
}

/** Every response about a token says, in so many words, that its quantum state is simulated. */
export const SIMULATION_LABEL = {
  simulated: true as const,
  method: "BB84 + CHSH, classical simulation: BB84 preparation checked by sifting (QBER), Bell pairs checked by a CHSH test (S)",
  quantum_state_encoding:
    "base64: byte 0 qubit count, byte 1 Bell pairs, then bits and then bases (0 = Z, 1 = X), each packed LSB first",
};

/** Expiry wins over collapse: an expired token no longer alerts, whatever its simulated state. */
export function statusOf(row: CanaryToken, now = Date.now()): ListStatus {
  return row.expiresAt <= now ? "expired" : row.status;
}

export const monitoringUrl = (origin: string, urlToken: string) => `${origin}/c/${urlToken}`;

/** The seed's 201 fields first, then the tripwire's secrets and the labelled simulation. */
export async function deployedView(row: CanaryToken, origin: string, secret: string) {
  const secrets = JSON.parse(await decryptText(secret, row.secretsCiphertext)) as TokenSecrets;
  const sim = row.simulation as unknown as StoredSimulation;
  return {
    token_id: row.id,
    deployment_location: row.zone,
    quantum_state: sim.quantum_state,
    creation_time: isoTime(row.createdAt),
    expiration_time: isoTime(row.expiresAt),
    monitoring_url: monitoringUrl(origin, secrets.url_token),
    decoy_credential: secrets.decoy,
    status: statusOf(row),
    num_qubits: row.numQubits,
    entanglement_pairs: row.entanglementPairs,
    metadata: row.metadata,
    simulation: SIMULATION_LABEL,
  };
}

/**
 * Reads show the tripwire's secrets (its URL and decoy) only to callers who could deploy one: a
 * viewer who can read the list must not learn which URL and key are the traps.
 */
export async function tokenView(row: CanaryToken, origin: string, secret: string, withSecrets: boolean) {
  const { monitoring_url, decoy_credential, ...deployed } = await deployedView(row, origin, secret);
  return {
    ...deployed,
    ...(withSecrets ? { monitoring_url, decoy_credential } : {}),
    hits: row.hits,
    suppressed_hits: row.suppressedHits,
    last_hit_time: isoTime(row.lastHitAt),
    last_alert_time: isoTime(row.lastAlertAt),
  };
}

/** Checks are stored as computed; responses round to 4 places (sampling noise is far larger). */
export function checkView(check: StoredSimulation["last_check"]) {
  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  return { ...check, qber: check.qber === null ? null : round(check.qber), chsh_s: round(check.chsh_s) };
}

export function hitView(h: typeof canaryHits.$inferSelect) {
  return {
    at: isoTime(h.at),
    channel: h.channel,
    ip: h.ip,
    user_agent: h.userAgent,
    country: h.country,
    detail: h.detail,
    alerted: h.alerted,
  };
}
