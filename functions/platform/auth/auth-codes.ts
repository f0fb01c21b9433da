import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { authCodes, type UserRole } from "../../../schema";
import { auditInsert, type Actor } from "../audit";
import { sha256Hex } from "../crypto";
import type { Database } from "../db";
import { newId } from "../ids";
import { randomToken } from "./keys";

export const AUTH_CODE_TTL_MS = 10 * 60_000;

export interface NewAuthCode {
  role: UserRole;
  userId: string | null;
}

/** Mints a one-time command-console code; the plaintext is returned once, its hash stored. */
export async function mintAuthCode(db: Database, tenantId: string, input: NewAuthCode, actor: Actor, now = Date.now()) {
  const id = newId("acd");
  const code = randomToken("qac");
  const expiresAt = now + AUTH_CODE_TTL_MS;
  await db.batch([
    db
      .insert(authCodes)
      .values({ id, tenantId, codeHash: await sha256Hex(code), role: input.role, userId: input.userId, expiresAt }),
    auditInsert(db, {
      tenantId,
      actor: actor.name,
      action: "auth_code.create",
      target: id,
      requestId: actor.requestId,
      details: { role: input.role },
    }),
  ]);
  return { code, expires_at: new Date(expiresAt).toISOString() };
}

/**
 * Marks the code used and returns what it grants, in one statement, so two concurrent
 * exchanges of the same code cannot both succeed. Null for unknown, used or expired codes.
 */
export async function redeemAuthCode(db: Database, code: string, now = Date.now()) {
  if (code.length > 200) return null;
  const hash = await sha256Hex(code);
  const rows = await db
    .update(authCodes)
    .set({ usedAt: sql`${now}` })
    .where(and(eq(authCodes.codeHash, hash), isNull(authCodes.usedAt), gt(authCodes.expiresAt, now)))
    .returning({ tenantId: authCodes.tenantId, role: authCodes.role, userId: authCodes.userId });
  return rows[0] ?? null;
}
