import type { Primitive } from "./primitives";

/** Most assets one analyze request may hold; a larger inventory is sent in several requests. */
export const MAX_ASSETS = 100;

export const ASSET_KINDS = [
  "x509_certificate",
  "public_key",
  "jwk",
  "jwt_header",
  "ssh_public_key",
  "tls_cipher_suite",
  "tls_group",
] as const;
export type AssetKind = (typeof ASSET_KINDS)[number];

/**
 * How long what an asset protects stays worth attacking:
 * - bounded: a certificate, until its notAfter;
 * - unbounded: a bare key (SPKI, PKCS#1/#8, JWK, SSH) carries no expiry of its own;
 * - configuration: a TLS name or a JWT header names algorithms, not a key; what it exposes to
 *   harvest-now-decrypt-later is the traffic its key exchange protected.
 */
export type Lifetime = "bounded" | "unbounded" | "configuration";

/** One asset a parser found: the facts the assessment rests on, never any private material. */
export interface Material {
  kind: AssetKind;
  /** The asset's algorithm as reported: "RSA", "ECDSA", "ML-DSA-65", a TLS suite's name, … */
  algorithm: string;
  /** One for a key; a TLS cipher suite or a JWE header has several (key exchange, cipher, hash). */
  primitives: Primitive[];
  /** Hashed with SHA-256 into the inventory key: a certificate's DER, a key's SPKI, a canonical name. */
  fingerprintInput: Uint8Array | string;
  lifetime: Lifetime;
  subject?: string | null;
  notAfter?: number | null;
  details: Record<string, unknown>;
}

/** A format the input looked like but failed to parse as; the 400 lists every one tried. */
export class FormatError extends Error {}

export class TooManyAssets extends Error {
  constructor(readonly found: number) {
    super(`The input holds ${found} assets; at most ${MAX_ASSETS} are analysed per request`);
  }
}

export function checkCount(found: number): void {
  if (found > MAX_ASSETS) throw new TooManyAssets(found);
}

const encoder = new TextEncoder();
export const utf8 = (text: string) => encoder.encode(text);

/** base64url (JOSE) to bytes; null when it is not base64url. */
export function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const padded = text.replaceAll("-", "+").replaceAll("_", "/") + "=".repeat((4 - (text.length % 4)) % 4);
  try {
    const bin = atob(padded);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

/** Bit length of a big-endian unsigned integer (an RSA modulus), ignoring leading zero bits. */
export function bitLength(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]!));
}
