import { and, eq, isNull } from "drizzle-orm";
import { apiKeys, oauthClients } from "../../../schema";
import { auditInsert, type Actor } from "../audit";
import type { Database } from "../db";
import { notFound } from "../errors";

type Revocable = typeof apiKeys | typeof oauthClients;

/**
 * Revokes a tenant's credential and audits it in one batch. Another tenant's id, an unknown
 * id and an already revoked one are all 404, and leave no audit row behind.
 */
export async function revokeCredential(
  db: Database,
  table: Revocable,
  what: { label: string; action: string },
  tenantId: string,
  id: string,
  actor: Actor,
  now = Date.now(),
): Promise<void> {
  const owned = and(eq(table.id, id), eq(table.tenantId, tenantId), isNull(table.revokedAt));
  const row = await db.select({ id: table.id }).from(table).where(owned).get();
  if (!row) throw notFound(what.label, { id });
  await db.batch([
    db.update(table).set({ revokedAt: now }).where(owned),
    auditInsert(db, { tenantId, actor: actor.name, action: what.action, target: id, requestId: actor.requestId }),
  ]);
}
