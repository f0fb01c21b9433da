import { and, eq, lte, sql } from "drizzle-orm";
import { incidentTimeline, remediations, type RemediationStatus } from "../../../schema";
import type { Database } from "../../platform/db";
import { conflict, notFound } from "../../platform/errors";
import { isoTime } from "../../platform/time";

export type Remediation = typeof remediations.$inferSelect;

/** A request for approval lapses after a day: the situation it answered has moved on. */
export const APPROVAL_TTL_MS = 24 * 3_600_000;

/** Who may approve: any user with one of these roles except the requester. */
export const APPROVER_ROLES = ["responder", "admin"] as const;

export async function findRemediation(db: Database, tenantId: string, id: string): Promise<Remediation> {
  const row = await db
    .select()
    .from(remediations)
    .where(and(eq(remediations.tenantId, tenantId), eq(remediations.id, id)))
    .get();
  if (!row) throw notFound(`Remediation action '${id}'`, { action_id: id });
  return row;
}

/**
 * Moves a row from one status to another only if it is still in the first, so approvals are
 * single-use and a rollback happens once however many requests race for it.
 */
export async function moveStatus(
  db: Database,
  row: Remediation,
  from: RemediationStatus,
  set: Partial<Remediation> & { status: RemediationStatus },
  extra = sql`1 = 1`,
): Promise<Remediation> {
  const [moved] = await db
    .update(remediations)
    .set({ ...set, updatedAt: Date.now() })
    .where(and(eq(remediations.id, row.id), eq(remediations.status, from), extra))
    .returning();
  if (!moved)
    throw conflict(`Remediation action '${row.id}' is no longer ${from.replace("_", " ")}`, {
      action_id: row.id,
      status: row.status,
    });
  return moved;
}

/** Pending requests past their day, marked expired; returns how many. */
export async function expireApprovals(db: Database, now: number, tenantId?: string) {
  const done = await db
    .update(remediations)
    .set({ status: "approval_expired", updatedAt: now })
    .where(
      and(
        eq(remediations.status, "pending_approval"),
        lte(remediations.approvalExpiresAt, now),
        tenantId ? eq(remediations.tenantId, tenantId) : undefined,
      ),
    )
    .returning({ id: remediations.id });
  return done.length;
}

export function noteOnIncident(db: Database, row: Remediation, event: string, agent: string, details: string) {
  if (!row.incidentId) return Promise.resolve();
  return db
    .insert(incidentTimeline)
    .values({ tenantId: row.tenantId, incidentId: row.incidentId, at: Date.now(), event, agent, details });
}

/** The seed's action shape, plus the plan, the outcome and what rollback would do. */
export function remediationView(r: Remediation, reversible: boolean) {
  return {
    id: r.id,
    incident_id: r.incidentId,
    type: r.action,
    status: r.status,
    parameters: r.parameters,
    approval: {
      required: r.requireApproval,
      requested_at: isoTime(r.createdAt),
      requested_by: r.requestedBy,
      approvers: r.requireApproval ? [...APPROVER_ROLES] : [],
      expires_at: isoTime(r.approvalExpiresAt),
      approved_by: r.approvedBy,
      approved_at: isoTime(r.approvedAt),
      notes: r.approvalNotes,
    },
    plan: r.plan,
    result: r.result ?? null,
    error: r.error,
    executed_at: isoTime(r.executedAt),
    expires_at: isoTime(r.expiresAt),
    rollback: {
      available: reversible && r.status === "completed" && r.inverse !== null,
      rolled_back_at: isoTime(r.rolledBackAt),
      rolled_back_by: r.rolledBackBy,
      reason: r.rollbackReason,
    },
    created_at: isoTime(r.createdAt),
    updated_at: isoTime(r.updatedAt),
  };
}
