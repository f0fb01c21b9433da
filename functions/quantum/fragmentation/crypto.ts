import { combine, split } from "shamir-secret-sharing";
import { hmacKey } from "../../platform/auth/keys";
import { fromBase64, sha256 } from "../../platform/crypto";

const encoder = new TextEncoder();
const MAC_PURPOSE = "fragment-share-mac:v1";
const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard, padded base64 only (what the seed's clients send); null for anything else. */
export function decodeBase64(text: string): Uint8Array | null {
  return STANDARD_BASE64.test(text) ? fromBase64(text) : null;
}

export interface Sealed {
  /** The raw 32-byte AES key: split into shares at once, never stored whole. */
  key: Uint8Array;
  iv: Uint8Array;
  ciphertext: Uint8Array;
}

/** The parent id is GCM's additional data, so a ciphertext copied into another set fails to open. */
export async function seal(data: Uint8Array, parentId: string): Promise<Sealed> {
  // A fresh random 256-bit key per set, from the platform CSPRNG; it exists whole only in this call.
  const key = crypto.getRandomValues(new Uint8Array(32));
  const aes = await crypto.subtle.importKey("raw", key, "AES-GCM", false, ["encrypt"]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(parentId) }, aes, data);
  return { key, iv, ciphertext: new Uint8Array(sealed) };
}

/** Null when the GCM tag does not verify (wrong key, or altered ciphertext, IV or parent). */
export async function open(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, parentId: string) {
  const aes = await crypto.subtle.importKey("raw", key, "AES-GCM", false, ["decrypt"]);
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(parentId) }, aes, ciphertext);
    return new Uint8Array(plain);
  } catch {
    return null;
  }
}

/** The audited library's Shamir split over GF(256); each share is the key's length plus one x-coordinate byte. */
export const splitKey = (key: Uint8Array, count: number, threshold: number) => split(key, count, threshold);

export const combineShares = (shares: Uint8Array[]) => combine(shares);

export function ciphertextDigest(iv: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
  const joined = new Uint8Array(iv.length + ciphertext.length);
  joined.set(iv);
  joined.set(ciphertext, iv.length);
  return sha256(joined);
}

/** What a share's MAC binds: the share to its set, its slot, the set's threshold and the ciphertext. */
export interface ShareBinding {
  parentId: string;
  fragmentId: string;
  index: number;
  threshold: number;
  share: Uint8Array;
  digest: Uint8Array;
}

/** Every field is length-prefixed, so no two different bindings encode to the same bytes. */
function macInput(b: ShareBinding): Uint8Array {
  const parts = [
    encoder.encode(b.parentId),
    encoder.encode(b.fragmentId),
    Uint8Array.of(b.index, b.threshold),
    b.share,
    b.digest,
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const part of parts) {
    view.setUint32(at, part.length);
    out.set(part, at + 4);
    at += 4 + part.length;
  }
  return out;
}

/** The key is derived from AUTH_SECRET and never leaves the Worker, so a fragment's holder cannot forge one. */
export async function shareMac(secret: string, binding: ShareBinding): Promise<Uint8Array> {
  const key = await hmacKey(secret, MAC_PURPOSE);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, macInput(binding)));
}

export async function verifyShareMac(secret: string, binding: ShareBinding, mac: Uint8Array): Promise<boolean> {
  const key = await hmacKey(secret, MAC_PURPOSE);
  return crypto.subtle.verify("HMAC", key, mac, macInput(binding));
}
