import { and, eq, isNull } from "drizzle-orm";
import { oauthClients, type Tier } from "../../../schema";
import { auditInsert, type Actor } from "../audit";
import { secretsEqual, sha256Hex } from "../crypto";
import { isUniqueViolation, type Database } from "../db";
import { conflict } from "../errors";
import { newId } from "../ids";
import { encryptText, randomToken } from "./keys";
import { revokeCredential } from "./revoke";

export interface NewOAuthClient {
  tier: Tier;
  scopes: string[];
  certFingerprint?: string | null;
}

/** SHA-256 fingerprints are compared as lowercase hex without separators. */
export const normalizeFingerprint = (fp: string) => fp.replaceAll(":", "").toLowerCase();

/** Returns the client secret once. */
export async function createOAuthClient(db: Database, authSecret: string, tenantId: string, input: NewOAuthClient, actor: Actor) {
  const id = newId("cli");
  const secret = randomToken("qcs");
  const certFingerprint = input.certFingerprint ? normalizeFingerprint(input.certFingerprint) : null;
  const scopes = [...new Set(input.scopes)];
  try {
    await db.batch([
      db.insert(oauthClients).values({
        id,
        tenantId,
        tier: input.tier,
        scopes,
        certFingerprint,
        secretHash: await sha256Hex(secret),
        secretCiphertext: await encryptText(authSecret, secret),
      }),
      auditInsert(db, {
        tenantId,
        actor: actor.name,
        action: "oauth_client.create",
        target: id,
        requestId: actor.requestId,
        details: { tier: input.tier, scopes },
      }),
    ]);
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict("That certificate fingerprint is already registered to a client");
    throw err;
  }
  return { client_id: id, client_secret: secret, tier: input.tier, scopes, cert_fingerprint: certFingerprint };
}

/**
 * Whether a client's access tokens still work: revocation ends them in this isolate at once and
 * in other isolates within CLIENT_CACHE_MS (as token families do for users).
 */
const CLIENT_CACHE_MS = 10_000;
const clientState = new Map<string, { active: boolean; until: number }>();

export async function revokeOAuthClient(db: Database, tenantId: string, id: string, actor: Actor): Promise<void> {
  await revokeCredential(db, oauthClients, { label: "OAuth client", action: "oauth_client.revoke" }, tenantId, id, actor);
  clientState.set(id, { active: false, until: Number.POSITIVE_INFINITY });
}

export async function clientActive(db: Database, clientId: string, now = Date.now()): Promise<boolean> {
  const cached = clientState.get(clientId);
  if (cached && cached.until > now) return cached.active;
  const active = Boolean(await clientById(db, clientId));
  if (clientState.size > 10_000) clientState.clear();
  clientState.set(clientId, { active, until: now + CLIENT_CACHE_MS });
  return active;
}

export type OAuthClient = typeof oauthClients.$inferSelect;

const active = (db: Database, where: ReturnType<typeof eq>) =>
  db
    .select()
    .from(oauthClients)
    .where(and(where, isNull(oauthClients.revokedAt)))
    .get();

/** Checks client credentials in constant time; null when the id is unknown, revoked or the secret wrong. */
export async function authenticateClient(db: Database, clientId: string, secret: string): Promise<OAuthClient | null> {
  if (clientId.length > 100 || secret.length > 200) return null;
  const client = await active(db, eq(oauthClients.id, clientId));
  const ok = await secretsEqual(await sha256Hex(secret), client?.secretHash ?? "0".repeat(64));
  return ok && client ? client : null;
}

export const clientById = (db: Database, clientId: string) => active(db, eq(oauthClients.id, clientId));

export const clientByFingerprint = (db: Database, fingerprint: string) =>
  active(db, eq(oauthClients.certFingerprint, normalizeFingerprint(fingerprint)));
