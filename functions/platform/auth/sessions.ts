import { and, eq, gt, isNull } from "drizzle-orm";
import { sessions, type SessionKind, type UserRole } from "../../../schema";
import type { Database } from "../db";
import { newId } from "../ids";
import { base64url, epochOf, fromBase64url, hmacKey, KEY_EPOCH_MS } from "./keys";
import { scopesForRole, type Principal } from "./principal";

/** Both seeds fix a 24-hour session with no renewal. */
export const SESSION_TTL_S = 86_400;

export const COOKIE_NAME: Record<SessionKind, string> = { qecnet: "qecnet_session", zeq: "zeq_auth_token" };

const purpose = (kind: SessionKind, epoch: number) => `cookie:${kind}:${epoch}`;
const encoder = new TextEncoder();

export interface NewSession {
  tenantId: string;
  kind: SessionKind;
  role: UserRole;
  userId: string | null;
}

/**
 * Cookie value: `<session id>.<key epoch>.<HMAC-SHA256 of the id>`. The HMAC key rotates
 * every epoch (current and previous accepted); the row makes logout and revocation real.
 */
export async function createSession(db: Database, secret: string, input: NewSession, now = Date.now()) {
  const id = newId("ses");
  const expiresAt = now + SESSION_TTL_S * 1000;
  await db.insert(sessions).values({ id, ...input, expiresAt });
  const epoch = epochOf(now);
  const sig = await crypto.subtle.sign("HMAC", await hmacKey(secret, purpose(input.kind, epoch)), encoder.encode(id));
  return { id, cookie: `${id}.${epoch}.${base64url(sig)}`, expiresAt };
}

async function signatureValid(secret: string, kind: SessionKind, value: string, now: number): Promise<string | null> {
  const [id, epochText, sig] = value.split(".");
  const epoch = Number(epochText);
  if (!id || !sig || !Number.isInteger(epoch)) return null;
  if (epoch !== epochOf(now) && epoch !== epochOf(now - KEY_EPOCH_MS)) return null;
  let sigBytes: Uint8Array;
  try {
    sigBytes = fromBase64url(sig);
  } catch {
    return null;
  }
  const ok = await crypto.subtle.verify("HMAC", await hmacKey(secret, purpose(kind, epoch)), sigBytes, encoder.encode(id));
  return ok ? id : null;
}

/** Null for a tampered, foreign, expired or revoked cookie: callers answer 401. */
export async function verifySession(
  db: Database,
  secret: string,
  kind: SessionKind,
  value: string,
  now = Date.now(),
): Promise<Principal | null> {
  if (value.length > 300) return null;
  const id = await signatureValid(secret, kind, value, now);
  if (!id) return null;
  const row = await db
    .select()
    .from(sessions)
    .where(and(eq(sessions.id, id), eq(sessions.kind, kind), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
    .get();
  if (!row) return null;
  return {
    tenantId: row.tenantId,
    kind: "session",
    id: row.userId ?? row.id,
    method: "session_cookie",
    role: row.role,
    scopes: scopesForRole(row.role),
    tier: "standard",
    machine: null,
    sessionId: row.id,
  };
}

export async function revokeSession(db: Database, id: string, now = Date.now()) {
  await db.update(sessions).set({ revokedAt: now }).where(eq(sessions.id, id));
}
