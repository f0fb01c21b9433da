import { decodeProtectedHeader, jwtVerify, SignJWT, type JWK, type JWTPayload } from "jose";
import { deriveBytes, epochOf, KEY_EPOCH_MS } from "./keys";

/**
 * Access tokens are EdDSA (Ed25519) JWTs. The key pair of each 30-day epoch is derived from
 * AUTH_SECRET, so every isolate signs with the same key without storing it; the JWKS
 * publishes the current and previous epoch's public keys.
 */
export const ISSUER = "vigil";
export const ACCESS_TOKEN_TTL_S = 3600;
const TYP = "at+jwt";
const ALG = "EdDSA";

/** PKCS#8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410). */
const PKCS8_ED25519_PREFIX = new Uint8Array([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

interface EpochKeys {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

const epochKeys = new Map<string, Promise<EpochKeys>>();

const kidOf = (epoch: number) => `vigil-ed25519-${epoch}`;

function keysFor(secret: string, epoch: number): Promise<EpochKeys> {
  const cacheKey = `${epoch}\u0000${secret}`;
  let keys = epochKeys.get(cacheKey);
  if (!keys) {
    keys = (async () => {
      const seed = await deriveBytes(secret, `jwt-ed25519:${epoch}`);
      const pkcs8 = new Uint8Array(PKCS8_ED25519_PREFIX.length + seed.length);
      pkcs8.set(PKCS8_ED25519_PREFIX);
      pkcs8.set(seed, PKCS8_ED25519_PREFIX.length);
      const privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, true, ["sign"]);
      const { x } = (await crypto.subtle.exportKey("jwk", privateKey)) as JsonWebKey;
      const kid = kidOf(epoch);
      const publicJwk: JWK = { kty: "OKP", crv: "Ed25519", x, kid, alg: ALG, use: "sig" };
      const publicKey = await crypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x }, { name: "Ed25519" }, true, [
        "verify",
      ]);
      return { kid, privateKey, publicKey, publicJwk };
    })();
    epochKeys.set(cacheKey, keys);
  }
  return keys;
}

/** The epochs whose keys verify now: the current one, and the previous one for tokens minted just before rotation. */
const liveEpochs = (now: number) => [epochOf(now), epochOf(now - KEY_EPOCH_MS)];

export async function jwks(secret: string, now = Date.now()) {
  const keys = await Promise.all(liveEpochs(now).map((e) => keysFor(secret, e)));
  return { keys: keys.map((k) => k.publicJwk) };
}

export interface AccessClaims extends JWTPayload {
  sub: string;
  /** Tenant id. */
  tid: string;
  /** Principal kind: "user" or "oauth_client". */
  pk: "user" | "oauth_client";
  role?: string;
  scope?: string;
  tier?: string;
  /** Session (token family) id, so logout can revoke access tokens too. */
  sid?: string;
}

export async function signAccessToken(secret: string, audience: string, claims: AccessClaims, now = Date.now()) {
  const { kid, privateKey } = await keysFor(secret, epochOf(now));
  const iat = Math.floor(now / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ALG, typ: TYP, kid })
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ACCESS_TOKEN_TTL_S)
    .setJti(crypto.randomUUID())
    .sign(privateKey);
}

/**
 * Verified tokens are remembered in the isolate until they expire (at most a minute), so a
 * busy client does not pay an Ed25519 verification per request. A token is immutable, so the
 * cache cannot go stale; revocation is checked separately on every request.
 */
const VERIFIED_MAX_MS = 60_000;
const verifiedTokens = new Map<string, { claims: AccessClaims; until: number }>();

function remember(key: string, claims: AccessClaims, now: number) {
  if (verifiedTokens.size >= 10_000) verifiedTokens.delete(verifiedTokens.keys().next().value!);
  verifiedTokens.set(key, { claims, until: Math.min(now + VERIFIED_MAX_MS, (claims.exp ?? 0) * 1000) });
}

/**
 * RFC 8725 verification: only EdDSA, only our own key ids, and iss, aud, typ and exp all
 * checked. Anything else (alg "none", an HMAC or RSA header, a foreign kid) is rejected
 * before any signature work. Returns null for every failure: callers answer 401.
 */
export async function verifyAccessToken(
  secret: string,
  token: string,
  audience: string | readonly string[],
  now = Date.now(),
): Promise<AccessClaims | null> {
  const cacheKey = `${typeof audience === "string" ? audience : audience.join(" ")}\u0000${token}`;
  const cached = verifiedTokens.get(cacheKey);
  if (cached && cached.until > now) return cached.claims;
  let header;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return null;
  }
  if (header.alg !== ALG || typeof header.kid !== "string") return null;
  const epoch = liveEpochs(now).find((e) => kidOf(e) === header.kid);
  if (epoch === undefined) return null;
  const { publicKey } = await keysFor(secret, epoch);
  try {
    const { payload } = await jwtVerify<AccessClaims>(token, publicKey, {
      algorithms: [ALG],
      issuer: ISSUER,
      audience: typeof audience === "string" ? audience : [...audience],
      typ: TYP,
      currentDate: new Date(now),
      requiredClaims: ["exp", "iat", "sub", "tid", "pk"],
    });
    remember(cacheKey, payload, now);
    return payload;
  } catch {
    return null;
  }
}
