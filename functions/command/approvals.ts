import { and, desc, eq, isNull, lt, type SQL } from "drizzle-orm";
import { commandApprovals, type ApprovalAction, type ApprovalStatus } from "../../schema";
import { requireRole, type Principal } from "../platform/auth/principal";
import { isUniqueViolation, type Database } from "../platform/db";
import { ApiError, conflict, notFound } from "../platform/errors";
import { newId } from "../platform/ids";
import type { Logger } from "../platform/log";
import { applyIsolation, assertIsolatable, commandExecuted, getNode, type MeshNode } from "./mesh";
import { applyRestore, assertRestorable } from "./restore";
import { isoTime } from "../platform/time";

/** A request nobody approved within the hour is stale: the situation it answered has moved on. */
export const APPROVAL_TTL_MS = 3_600_000;

type Approval = typeof commandApprovals.$inferSelect;

export const approvalView = (a: Approval) => ({
  id: a.id,
  action: a.action,
  nodeId: a.nodeId,
  reason: a.reason,
  status: a.status,
  requestedBy: a.requestedBy,
  requestedAt: isoTime(a.createdAt),
  expiresAt: isoTime(a.expiresAt),
  decidedBy: a.decidedBy,
  decidedAt: isoTime(a.decidedAt),
  outcome: a.outcome ?? null,
});

const actorOf = (p: Principal) => `${p.kind}:${p.id}`;

/** Only a signed-in person can be the second pair of eyes; an API key is not a person. */
function approverUserId(p: Principal): string {
  if ((p.kind === "user" || p.kind === "session") && p.id.startsWith("usr_")) return p.id;
  throw new ApiError("forbidden", "Approvals must be given by a signed-in user, not an API key or anonymous session", {
    approval: "user_required",
  });
}

async function checkPreconditions(db: Database, action: ApprovalAction, node: MeshNode) {
  if (action === "isolate-node") assertIsolatable(node);
  else await assertRestorable(db, node);
}

export async function requestApproval(
  env: Env,
  db: Database,
  p: Principal,
  input: { action: ApprovalAction; nodeId: string; reason?: string },
) {
  const node = await getNode(db, p.tenantId, input.nodeId);
  await checkPreconditions(db, input.action, node);
  const now = Date.now();
  await expireStale(db, p.tenantId, now, and(eq(commandApprovals.action, input.action), eq(commandApprovals.nodeId, node.id)));
  const row = {
    id: newId("apr"),
    tenantId: p.tenantId,
    action: input.action,
    nodeId: node.id,
    reason: input.reason ?? null,
    requestedBy: actorOf(p),
    expiresAt: now + APPROVAL_TTL_MS,
    createdAt: now,
  };
  try {
    const [created] = await db.insert(commandApprovals).values(row).returning();
    await env.TENANT_HUB.getByName(p.tenantId).appendAudit(
      row.requestedBy,
      "approval-requested",
      JSON.stringify({ approvalId: row.id, action: row.action, nodeId: row.nodeId, reason: row.reason }),
    );
    return created!;
  } catch (err) {
    if (isUniqueViolation(err))
      throw conflict(`A ${input.action} request for node '${node.id}' is already pending`, { nodeId: node.id });
    throw err;
  }
}

async function expireStale(db: Database, tenantId: string, now: number, scope?: SQL) {
  await db
    .update(commandApprovals)
    .set({ status: "expired", decidedAt: now })
    .where(
      and(
        eq(commandApprovals.tenantId, tenantId),
        eq(commandApprovals.status, "pending"),
        lt(commandApprovals.expiresAt, now),
        scope,
      ),
    );
}

export async function listApprovals(db: Database, tenantId: string, status?: ApprovalStatus) {
  await expireStale(db, tenantId, Date.now());
  return db
    .select()
    .from(commandApprovals)
    .where(and(eq(commandApprovals.tenantId, tenantId), status ? eq(commandApprovals.status, status) : undefined))
    .orderBy(desc(commandApprovals.createdAt))
    .limit(200);
}

export async function getApproval(db: Database, tenantId: string, id: string): Promise<Approval> {
  await expireStale(db, tenantId, Date.now(), eq(commandApprovals.id, id));
  const row = await db
    .select()
    .from(commandApprovals)
    .where(and(eq(commandApprovals.tenantId, tenantId), eq(commandApprovals.id, id)))
    .get();
  if (!row) throw notFound(`Approval '${id}'`, { approvalId: id });
  return row;
}

const notPending = (a: Approval) => conflict(`Approval '${a.id}' is ${a.status}, not pending`, { status: a.status });

/**
 * Claims a pending request for one decider: the conditional update lets exactly one of two
 * concurrent deciders through.
 */
async function claim(db: Database, a: Approval, decidedBy: string, now: number) {
  const [claimed] = await db
    .update(commandApprovals)
    .set({ decidedBy, decidedAt: now })
    .where(and(eq(commandApprovals.id, a.id), eq(commandApprovals.status, "pending"), isNull(commandApprovals.decidedBy)))
    .returning();
  if (!claimed) throw conflict(`Approval '${a.id}' has already been decided`, { approvalId: a.id });
}

async function settle(db: Database, id: string, status: ApprovalStatus, outcome: Record<string, unknown>) {
  const [row] = await db.update(commandApprovals).set({ status, outcome }).where(eq(commandApprovals.id, id)).returning();
  return row!;
}

export async function rejectApproval(env: Env, db: Database, p: Principal, id: string, note?: string) {
  const a = await getApproval(db, p.tenantId, id);
  if (a.status !== "pending") throw notPending(a);
  await claim(db, a, actorOf(p), Date.now());
  const row = await settle(db, a.id, "rejected", { note: note ?? null });
  await env.TENANT_HUB.getByName(p.tenantId).appendAudit(actorOf(p), "approval-rejected", JSON.stringify({ approvalId: a.id }));
  return row;
}

export async function approve(env: Env, db: Database, p: Principal, id: string, log: Logger) {
  const userId = approverUserId(p);
  requireRole(p, "responder");
  const a = await getApproval(db, p.tenantId, id);
  if (a.status !== "pending") throw notPending(a);
  if (a.requestedBy.split(":")[1] === userId)
    throw new ApiError("forbidden", "The requester cannot approve their own request: a second user must", {
      approval: "second_user_required",
    });
  const now = Date.now();
  await claim(db, a, actorOf(p), now);
  try {
    const result = await execute(env, db, p, a, log, now);
    return { approval: approvalView(await settle(db, a.id, "executed", result)), result };
  } catch (err) {
    const error = err instanceof ApiError ? { code: err.code, message: err.message } : { code: "internal" };
    await settle(db, a.id, "failed", { error });
    throw err;
  }
}

async function execute(env: Env, db: Database, p: Principal, a: Approval, log: Logger, now: number) {
  const node = await getNode(db, p.tenantId, a.nodeId);
  await checkPreconditions(db, a.action, node);
  const approval = { approvalId: a.id, requestedBy: a.requestedBy, approvedBy: actorOf(p) };
  if (a.action === "isolate-node") {
    const severed = await applyIsolation(db, p.tenantId, node.id, now);
    await commandExecuted(env, p, log, {
      action: "isolate-node",
      severity: "high",
      system: node.label,
      systemType: node.systemType,
      description: `Protected node ${node.id} isolated on second approval; ${severed} connections severed`,
      details: { nodeId: node.id, severedConnections: severed, ...approval },
    });
    return { success: true as const, nodeId: node.id, isolatedAt: new Date(now).toISOString(), severedConnections: severed };
  }
  const restored = await applyRestore(db, node, now);
  await commandExecuted(env, p, log, {
    action: "restore-node",
    severity: "medium",
    system: node.label,
    systemType: node.systemType,
    description: `Node ${node.id} returned to service; ${restored.restoredConnections} connections re-established`,
    details: { nodeId: node.id, restoredConnections: restored.restoredConnections, ...approval },
  });
  return restored;
}
