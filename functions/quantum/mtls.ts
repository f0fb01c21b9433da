import type { Context } from "hono";

/**
 * The SHA-256 fingerprint of a client certificate that Cloudflare's edge verified, or null.
 * Only `certVerified === "SUCCESS"` with `certRevoked === "0"` counts: a presented but
 * unverified, expired or revoked certificate authenticates nothing.
 */
export function verifiedClientCertificate(c: Context): string | null {
  const cf = (c.req.raw as Request & { cf?: { tlsClientAuth?: Record<string, unknown> } }).cf;
  const tls = cf?.tlsClientAuth;
  if (!tls || tls.certPresented !== "1") return null;
  if (tls.certVerified !== "SUCCESS" || tls.certRevoked !== "0") return null;
  const fp = tls.certFingerprintSHA256;
  return typeof fp === "string" && /^[0-9a-fA-F:]{64,95}$/.test(fp) ? fp.replaceAll(":", "").toLowerCase() : null;
}
