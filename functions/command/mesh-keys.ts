import { ml_dsa65 } from "@noble/post-quantum/ml-dsa.js";
import { and, desc, eq, isNull, ne } from "drizzle-orm";
import { meshKeys, meshNodes } from "../../schema";
import { encryptText } from "../platform/auth/keys";
import { sha256Hex, toBase64 } from "../platform/crypto";
import type { Database } from "../platform/db";
import { newId } from "../platform/ids";
import type { Logger } from "../platform/log";
import { commandExecuted, type CommandActor } from "./mesh";
import { isoTime } from "../platform/time";

/** A retired key keeps verifying for this long, so nodes mid-update are not cut off. */
export const KEY_GRACE_MS = 24 * 3_600_000;

/**
 * A quantum-safe mesh signing key: Ed25519 (WebCrypto) and ML-DSA-65 (FIPS 204) side by side,
 * so a signature holds unless both schemes are broken. The fingerprint is SHA-256 over both
 * public keys. Private halves are stored encrypted (the ML-DSA one as its 32-byte seed).
 */
async function generateHybridKey(authSecret: string) {
  const ed = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const edPublic = new Uint8Array((await crypto.subtle.exportKey("raw", ed.publicKey)) as ArrayBuffer);
  const edPrivate = new Uint8Array((await crypto.subtle.exportKey("pkcs8", ed.privateKey)) as ArrayBuffer);
  const seed = crypto.getRandomValues(new Uint8Array(32));
  const ml = ml_dsa65.keygen(seed);
  const both = new Uint8Array(edPublic.length + ml.publicKey.length);
  both.set(edPublic);
  both.set(ml.publicKey, edPublic.length);
  return {
    fingerprint: await sha256Hex(both),
    ed25519Public: toBase64(edPublic),
    mldsa65Public: toBase64(ml.publicKey),
    privateCiphertext: await encryptText(
      authSecret,
      JSON.stringify({ ed25519Pkcs8: toBase64(edPrivate), mldsa65Seed: toBase64(seed) }),
    ),
  };
}

export async function rotateKeys(env: Env, db: Database, p: CommandActor, log: Logger) {
  const key = await generateHybridKey(env.AUTH_SECRET);
  const now = Date.now();
  const id = newId("mky");
  const [, , live] = await db.batch([
    db
      .update(meshKeys)
      .set({ retiredAt: now, graceUntil: now + KEY_GRACE_MS })
      .where(and(eq(meshKeys.tenantId, p.tenantId), isNull(meshKeys.retiredAt))),
    db.insert(meshKeys).values({ tenantId: p.tenantId, id, createdAt: now, ...key }),
    db
      .select({ id: meshNodes.id })
      .from(meshNodes)
      .where(and(eq(meshNodes.tenantId, p.tenantId), ne(meshNodes.state, "ISOLATED"))),
  ]);
  await commandExecuted(env, p, log, {
    action: "rotate-keys",
    severity: "medium",
    description: `Mesh signing key rotated to ${key.fingerprint.slice(0, 16)}…; ${live.length} nodes updated`,
    details: { keyId: id, fingerprint: key.fingerprint, nodesUpdated: live.length },
  });
  return {
    success: true as const,
    newKeyFingerprint: key.fingerprint,
    rotatedAt: new Date(now).toISOString(),
    nodesUpdated: live.length,
  };
}

/** The key history, newest first, with public keys: what nodes need to verify mesh signatures. */
export async function listKeys(db: Database, tenantId: string, now = Date.now()) {
  const rows = await db.select().from(meshKeys).where(eq(meshKeys.tenantId, tenantId)).orderBy(desc(meshKeys.createdAt));
  return rows.map((k) => ({
    id: k.id,
    fingerprint: k.fingerprint,
    status: k.retiredAt === null ? ("current" as const) : (k.graceUntil ?? 0) > now ? ("grace" as const) : ("retired" as const),
    ed25519Public: k.ed25519Public,
    mldsa65Public: k.mldsa65Public,
    createdAt: new Date(k.createdAt).toISOString(),
    retiredAt: isoTime(k.retiredAt),
    graceUntil: isoTime(k.graceUntil),
  }));
}
