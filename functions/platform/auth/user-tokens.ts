import { and, eq, gt, isNull } from "drizzle-orm";
import { refreshTokens, sessions, tokenFamilies, users } from "../../../schema";
import { ApiError } from "../errors";
import { sha256Hex } from "../crypto";
import type { Database } from "../db";
import { newId } from "../ids";
import { hashPassword, verifyPassword } from "../passwords";
import { ACCESS_TOKEN_TTL_S, signAccessToken } from "./jwt";
import { randomToken } from "./keys";

export const INCIDENTS_AUDIENCE = "vigil:incidents";
export const REFRESH_TTL_MS = 30 * 86_400_000;

/** Compared against when the username is unknown, so a miss costs the same PBKDF2 work as a hit. */
let decoyHash: Promise<string> | undefined;

/**
 * The user whose password this is, or null. A disabled user, or one who must choose a new
 * password, is refused with 403 — but only once the password is proven, so the refusal tells a
 * stranger nothing about the account.
 */
export async function checkPassword(db: Database, username: string, password: string) {
  const user = await db.select().from(users).where(eq(users.username, username.trim().toLowerCase())).get();
  const ok = await verifyPassword(password, user?.passwordHash ?? (await (decoyHash ??= hashPassword("decoy-password"))));
  if (!ok || !user) return null;
  if (user.disabledAt !== null) throw new ApiError("forbidden", "This account is disabled", { reason: "user_disabled" });
  if (user.passwordResetRequired)
    throw new ApiError("forbidden", "A new password must be set by an administrator before signing in", {
      reason: "password_reset_required",
    });
  return user;
}

/**
 * Ends every sign-in of a user: token families (this isolate forgets them at once, others
 * within FAMILY_CACHE_MS) and session cookies. Returns how many of each it ended.
 */
export async function signOutEverywhere(db: Database, userId: string, reason: string, now = Date.now()) {
  const families = await db
    .select({ id: tokenFamilies.id })
    .from(tokenFamilies)
    .where(and(eq(tokenFamilies.userId, userId), isNull(tokenFamilies.revokedAt)));
  for (const f of families) await revokeFamily(db, f.id, reason, now);
  const ended = await db
    .update(sessions)
    .set({ revokedAt: now })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return { tokenFamilies: families.length, sessions: ended.length };
}

type User = typeof users.$inferSelect;

async function issuePair(db: Database, secret: string, user: User, familyId: string, now: number) {
  const refreshToken = randomToken("vrt");
  await db
    .insert(refreshTokens)
    .values({ id: newId("rtk"), familyId, tokenHash: await sha256Hex(refreshToken), expiresAt: now + REFRESH_TTL_MS });
  const accessToken = await signAccessToken(
    secret,
    INCIDENTS_AUDIENCE,
    { sub: user.id, tid: user.tenantId, pk: "user", role: user.role, sid: familyId },
    now,
  );
  return {
    access_token: accessToken,
    token_type: "bearer" as const,
    expires_in: ACCESS_TOKEN_TTL_S,
    refresh_token: refreshToken,
  };
}

export async function login(db: Database, secret: string, user: User, now = Date.now()) {
  const familyId = newId("tfm");
  await db.insert(tokenFamilies).values({ id: familyId, tenantId: user.tenantId, userId: user.id });
  return issuePair(db, secret, user, familyId, now);
}

export type RefreshOutcome = { ok: true; tokens: Awaited<ReturnType<typeof issuePair>> } | { ok: false; reuse: boolean };

/**
 * Rotates a refresh token. Each token works once; presenting a used one means it leaked,
 * so the whole family is revoked (RFC 9700 §4.14.2) and its holder must sign in again.
 */
export async function refresh(db: Database, secret: string, token: string, now = Date.now()): Promise<RefreshOutcome> {
  if (token.length > 200) return { ok: false, reuse: false };
  const hash = await sha256Hex(token);
  const claimed = await db
    .update(refreshTokens)
    .set({ usedAt: now })
    .where(and(eq(refreshTokens.tokenHash, hash), isNull(refreshTokens.usedAt), gt(refreshTokens.expiresAt, now)))
    .returning({ familyId: refreshTokens.familyId });
  const familyId = claimed[0]?.familyId;
  if (!familyId) {
    const seen = await db
      .select({ familyId: refreshTokens.familyId, usedAt: refreshTokens.usedAt })
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, hash))
      .get();
    if (seen?.usedAt) await revokeFamily(db, seen.familyId, "refresh token reuse", now);
    return { ok: false, reuse: Boolean(seen?.usedAt) };
  }
  const row = await db
    .select({ user: users })
    .from(tokenFamilies)
    .innerJoin(users, eq(users.id, tokenFamilies.userId))
    .where(
      and(
        eq(tokenFamilies.id, familyId),
        isNull(tokenFamilies.revokedAt),
        isNull(users.disabledAt),
        eq(users.passwordResetRequired, false),
      ),
    )
    .get();
  if (!row) return { ok: false, reuse: false };
  return { ok: true, tokens: await issuePair(db, secret, row.user, familyId, now) };
}

/** Revoked families are remembered in the isolate; other isolates learn within FAMILY_CACHE_MS. */
const FAMILY_CACHE_MS = 10_000;
const familyState = new Map<string, { active: boolean; until: number }>();

export async function revokeFamily(db: Database, familyId: string, reason: string, now = Date.now()) {
  await db
    .update(tokenFamilies)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(tokenFamilies.id, familyId), isNull(tokenFamilies.revokedAt)));
  familyState.set(familyId, { active: false, until: Number.POSITIVE_INFINITY });
}

export async function familyActive(db: Database, familyId: string, now = Date.now()): Promise<boolean> {
  const cached = familyState.get(familyId);
  if (cached && cached.until > now) return cached.active;
  const row = await db
    .select({ revokedAt: tokenFamilies.revokedAt })
    .from(tokenFamilies)
    .where(eq(tokenFamilies.id, familyId))
    .get();
  const active = Boolean(row) && row!.revokedAt === null;
  if (familyState.size > 10_000) familyState.clear();
  familyState.set(familyId, { active, until: now + FAMILY_CACHE_MS });
  return active;
}
