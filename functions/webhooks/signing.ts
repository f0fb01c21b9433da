import { fromBase64, toBase64 } from "../platform/crypto";

/**
 * Two signatures on every delivery:
 * - Standard Webhooks: `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, so any
 *   Standard Webhooks or Svix verifier works. For a generated `whsec_…` secret the key is the
 *   base64 after the prefix (as those libraries expect); for a secret the client chose, the key is
 *   its bytes (the libraries' `format: "raw"`).
 * - The incident-response seed's `X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the body>`,
 *   keyed with the secret string's UTF-8 bytes, as the quantum defense seed's verifier computes it.
 */
export const SECRET_PREFIX = "whsec_";

export const generateSecret = () => `${SECRET_PREFIX}${toBase64(crypto.getRandomValues(new Uint8Array(24)))}`;

export function standardKey(secret: string): Uint8Array {
  return secret.startsWith(SECRET_PREFIX) ? fromBase64(secret.slice(SECRET_PREFIX.length)) : new TextEncoder().encode(secret);
}

async function hmac(key: Uint8Array, message: string): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, new TextEncoder().encode(message)));
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

export interface SignedHeaders extends Record<string, string> {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
  "X-Webhook-Signature": string;
}

/** `secrets[0]` is current; a second one (during rotation) adds its signatures alongside. */
export async function signDelivery(
  secrets: string[],
  id: string,
  timestampSeconds: number,
  body: string,
): Promise<SignedHeaders> {
  const standard = await Promise.all(
    secrets.map(async (s) => `v1,${toBase64(await hmac(standardKey(s), `${id}.${timestampSeconds}.${body}`))}`),
  );
  const plain = await Promise.all(secrets.map(async (s) => `sha256=${hex(await hmac(new TextEncoder().encode(s), body))}`));
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": standard.join(" "),
    "X-Webhook-Signature": plain[0]!,
    ...(plain[1] ? { "X-Webhook-Signature-Previous": plain[1] } : {}),
  };
}
