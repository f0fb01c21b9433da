import {
  faultTolerance,
  PROTOCOL,
  quorumSize,
  VOTE_PHASES,
  voteMessage,
  type EquivocationEvidence,
  type QuorumCertificate,
} from "./model";

/**
 * The offline verifier: needs nothing but WebCrypto (workerd, browsers, Node 20+) and the agents'
 * public keys as `GET /v3/consensus/agents` lists them. It trusts nothing the server says about a
 * certificate except what the signatures cover.
 */

export interface Verification {
  valid: boolean;
  /** Why it is not valid; empty when it is. */
  errors: string[];
}

const encoder = new TextEncoder();
const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HEX_DIGEST = /^[0-9a-f]{64}$/;

/** Standard, padded base64 only; null for anything else. */
export function fromBase64(text: string): Uint8Array | null {
  if (!STANDARD_BASE64.test(text)) return null;
  const bin = atob(text);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** A raw 32-byte Ed25519 public key in standard base64, or null if it is not one. */
export async function importPublicKey(publicKey: string): Promise<CryptoKey | null> {
  const raw = fromBase64(publicKey);
  if (!raw || raw.length !== 32) return null;
  try {
    return await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
  } catch {
    return null;
  }
}

/** True only for a well-formed 64-byte signature over `message` by `key`. */
export async function verifySignature(key: CryptoKey | string | null, signature: string, message: string): Promise<boolean> {
  const k = typeof key === "string" ? await importPublicKey(key) : key;
  const sig = fromBase64(signature);
  if (!k || !sig || sig.length !== 64) return false;
  try {
    return await crypto.subtle.verify({ name: "Ed25519" }, k, sig, encoder.encode(message));
  } catch {
    return false;
  }
}

export async function digestOf(value: Uint8Array): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", value));
  return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
}

const isCount = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 0;

function shapeErrors(c: QuorumCertificate): string[] {
  const errors: string[] = [];
  if (c.protocol !== PROTOCOL) errors.push(`unknown protocol ${String(c.protocol)}`);
  if (!isCount(c.view) || !isCount(c.sequence) || !isCount(c.n) || c.n < 1) errors.push("view, sequence and n must be counts");
  if (typeof c.digest !== "string" || !HEX_DIGEST.test(c.digest)) errors.push("digest must be 64 lowercase hex digits");
  if (!Array.isArray(c.voters) || new Set(c.voters).size !== c.voters.length || c.voters.length !== c.n)
    errors.push("voters must be n distinct agent ids");
  if (c.f !== faultTolerance(c.n) || c.quorum !== quorumSize(c.n)) errors.push(`f and quorum do not match n = ${c.n}`);
  if (!Array.isArray(c.signatures)) errors.push("signatures must be a list");
  return errors;
}

/**
 * A certificate is valid when it is well formed, its signers are distinct voters with known keys,
 * EVERY signature verifies over the COMMIT string for (cluster, signer, view, sequence, n, digest),
 * and there are at least a quorum of them. One bad signature invalidates the whole certificate: a
 * certificate is a statement by the object, and a statement with a forged part is not trusted.
 * Pass `value` to also check that it is the value the digest names.
 */
export async function verifyCertificate(
  cert: QuorumCertificate,
  publicKeys: Record<string, string>,
  options: { value?: Uint8Array } = {},
): Promise<Verification> {
  const errors = shapeErrors(cert);
  if (errors.length) return { valid: false, errors };
  if (options.value && (await digestOf(options.value)) !== cert.digest) errors.push("the value does not match the digest");
  const seen = new Set<string>();
  for (const { agent_id, signature } of cert.signatures) {
    if (seen.has(agent_id)) errors.push(`${agent_id} signed twice`);
    seen.add(agent_id);
    if (!cert.voters.includes(agent_id)) errors.push(`${agent_id} is not a voter of the round`);
    const key = publicKeys[agent_id];
    if (!key) {
      errors.push(`no public key for ${agent_id}`);
      continue;
    }
    const message = voteMessage({ ...cert, phase: "commit", agent_id });
    if (!(await verifySignature(key, signature, message))) errors.push(`invalid signature by ${agent_id}`);
  }
  if (seen.size < cert.quorum) errors.push(`${seen.size} signers, fewer than the quorum of ${cert.quorum}`);
  return { valid: errors.length === 0, errors };
}

/**
 * Evidence is valid when both votes name different digests and both signatures verify under the
 * agent's key for the same (cluster, view, sequence, n): no honest agent ever signs that.
 */
export async function verifyEvidence(evidence: EquivocationEvidence, publicKey: string): Promise<Verification> {
  const errors: string[] = [];
  const [a, b] = Array.isArray(evidence.votes) ? evidence.votes : [];
  if (evidence.protocol !== PROTOCOL) errors.push(`unknown protocol ${String(evidence.protocol)}`);
  if (!a || !b || evidence.votes.length !== 2) return { valid: false, errors: [...errors, "evidence needs exactly two votes"] };
  if (a.digest === b.digest) errors.push("the votes name the same digest");
  for (const [i, v] of [a, b].entries()) {
    if (!VOTE_PHASES.includes(v.phase)) errors.push(`vote ${i + 1} has an unknown phase`);
    const message = voteMessage({ ...evidence, phase: v.phase, digest: v.digest });
    if (!(await verifySignature(publicKey, v.signature, message))) errors.push(`vote ${i + 1}'s signature is invalid`);
  }
  return { valid: errors.length === 0, errors };
}
