import { fromBase64, toBase64 } from "../crypto";

/**
 * Every key Vigil signs or encrypts with is derived from the one AUTH_SECRET by HKDF with
 * a purpose label, so no key material is stored and purposes never share a key. Keys that
 * rotate are derived per epoch: the current and the previous epoch are accepted.
 */
export const KEY_EPOCH_MS = 30 * 86_400_000;

export const epochOf = (now: number) => Math.floor(now / KEY_EPOCH_MS);

const encoder = new TextEncoder();
const derived = new Map<string, Promise<Uint8Array>>();

export function deriveBytes(secret: string, purpose: string): Promise<Uint8Array> {
  if (!secret) throw new Error("AUTH_SECRET is not configured");
  const cacheKey = `${purpose}\u0000${secret}`;
  let bytes = derived.get(cacheKey);
  if (!bytes) {
    bytes = (async () => {
      const base = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveBits"]);
      const info = encoder.encode(purpose);
      const bits = await crypto.subtle.deriveBits(
        { name: "HKDF", hash: "SHA-256", salt: encoder.encode("vigil/v1"), info },
        base,
        256,
      );
      return new Uint8Array(bits);
    })();
    derived.set(cacheKey, bytes);
  }
  return bytes;
}

const hmacKeys = new Map<string, Promise<CryptoKey>>();

export function hmacKey(secret: string, purpose: string): Promise<CryptoKey> {
  const cacheKey = `${purpose}\u0000${secret}`;
  let key = hmacKeys.get(cacheKey);
  if (!key) {
    key = deriveBytes(secret, purpose).then((raw) =>
      crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]),
    );
    hmacKeys.set(cacheKey, key);
  }
  return key;
}

export function base64url(bytes: ArrayBuffer | Uint8Array): string {
  return toBase64(bytes).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function fromBase64url(text: string): Uint8Array {
  const padded = text.replaceAll("-", "+").replaceAll("_", "/") + "===".slice((text.length + 3) % 4);
  return fromBase64(padded);
}

/** A random token: `prefix_` followed by 32 bytes of base64url (256 bits of entropy). */
export function randomToken(prefix: string): string {
  return `${prefix}_${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;
}

async function aesKey(secret: string): Promise<CryptoKey> {
  const raw = await deriveBytes(secret, "aes-gcm:stored-secrets");
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}

/** AES-256-GCM with a random 96-bit IV; the output is base64(iv ‖ ciphertext). */
export async function encryptText(secret: string, plaintext: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await aesKey(secret), encoder.encode(plaintext));
  const out = new Uint8Array(iv.length + sealed.byteLength);
  out.set(iv);
  out.set(new Uint8Array(sealed), iv.length);
  return toBase64(out);
}

export async function decryptText(secret: string, stored: string): Promise<string> {
  const bytes = fromBase64(stored);
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: bytes.slice(0, 12) }, await aesKey(secret), bytes.slice(12));
  return new TextDecoder().decode(plain);
}
