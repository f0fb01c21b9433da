import { eq, sql } from "drizzle-orm";
import { remediations, type RemediationAction } from "../../../schema";
import type { CommandActor } from "../../command/mesh";
import { requireRole, requireScope, type Principal } from "../../platform/auth/principal";
import { ApiError, conflict } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { agentOf, type Deps } from "../incidents";
import { findIncident } from "../store";
import { CATALOG, parseParameters } from "./catalog";
import { EFFECTS } from "./effects";
import type { EffectContext } from "./effect";
import { recordEffect } from "./record";
import { APPROVAL_TTL_MS, APPROVER_ROLES, findRemediation, moveStatus, noteOnIncident, type Remediation } from "./store";

export interface ExecuteInput {
  incident_id?: string;
  action: RemediationAction;
  parameters?: unknown;
  dry_run: boolean;
  require_approval: boolean;
}

export { viewOf } from "./record";

/** Users act on remediations from the responder role up; API keys need the write scope. */
function requireResponder(p: Principal) {
  requireScope(p, "write");
  if (p.role) requireRole(p, "responder");
}

/**
 * Analysts may preview an action (a dry run changes nothing) and propose one held for approval
 * (a different responder decides); running one at once needs a responder.
 */
function requireProposer(p: Principal, input: ExecuteInput) {
  if (!input.dry_run && !input.require_approval) return requireResponder(p);
  requireScope(p, "write");
  if (p.role) requireRole(p, "analyst");
}

function contextFor(
  deps: Deps,
  row: Pick<Remediation, "tenantId" | "id">,
  actor: CommandActor,
  approved: boolean,
): EffectContext {
  return { ...deps, tenantId: row.tenantId, actor, remediationId: row.id, now: Date.now(), approved };
}

function validParameters(action: RemediationAction, raw: unknown) {
  const parsed = parseParameters(action, raw);
  if (!parsed.success)
    throw new ApiError("invalid_request", `Invalid parameters for ${action}`, {
      issues: parsed.error.issues.map((i) => ({ path: ["parameters", ...i.path].join("."), message: i.message })),
    });
  return parsed.data as Record<string, unknown>;
}

/**
 * Runs the action of a row already in `executing`: re-plans (targets may have changed since a
 * request was approved), applies, and records the result and its inverse. A failure is recorded
 * on the row before the error reaches the caller.
 */
async function run(deps: Deps, row: Remediation, actor: CommandActor, approved: boolean): Promise<Remediation> {
  const effect = EFFECTS[row.action];
  const ctx = contextFor(deps, row, actor, approved);
  const agent = agentOf(actor);
  let done: Remediation;
  try {
    await effect.plan(ctx, row.parameters as never);
    const applied = await effect.apply(ctx, row.parameters as never);
    const seconds = (row.parameters as { duration?: number }).duration;
    done = await moveStatus(deps.db, row, "executing", {
      status: "completed",
      result: applied.result,
      inverse: applied.inverse,
      executedAt: ctx.now,
      expiresAt: seconds && CATALOG[row.action].reversible ? ctx.now + seconds * 1000 : null,
    });
  } catch (err) {
    const message = err instanceof ApiError ? err.message : "the action failed unexpectedly";
    await moveStatus(deps.db, row, "executing", { status: "failed", error: message });
    await noteOnIncident(deps.db, row, "Remediation failed", agent, `${row.action} (${row.id}): ${message}`);
    throw err;
  }
  await recordEffect(deps, done, { operation: "execute", agent, note: `${row.action} (${row.id}) executed` });
  return done;
}

/** The row a dry run would have been, never stored. */
const dryRun = (base: Omit<Remediation, NullableField | "status">): Remediation => ({
  ...base,
  status: "dry_run",
  ...(Object.fromEntries(NULLABLE_FIELDS.map((f) => [f, null])) as Record<NullableField, null>),
});
const NULLABLE_FIELDS = [
  "approvalExpiresAt",
  "approvedBy",
  "approvalNotes",
  "approvedAt",
  "result",
  "inverse",
  "error",
  "executedAt",
  "expiresAt",
  "rolledBackAt",
  "rolledBackBy",
  "rollbackReason",
] as const;
type NullableField = (typeof NULLABLE_FIELDS)[number];

export async function executeRemediation(deps: Deps, p: Principal, input: ExecuteInput) {
  requireProposer(p, input);
  const parameters = validParameters(input.action, input.parameters);
  const incident = input.incident_id ? await findIncident(deps.db, p.tenantId, input.incident_id) : null;
  const now = Date.now();
  const draft = { id: newId("rem"), tenantId: p.tenantId };
  // Planned as it will run: under approval when approval is required (protected nodes need it).
  const plan = await EFFECTS[input.action].plan(contextFor(deps, draft, p, input.require_approval), parameters as never);
  const base = {
    ...draft,
    incidentId: incident?.id ?? null,
    action: input.action,
    parameters,
    requireApproval: input.require_approval,
    requestedBy: agentOf(p),
    plan,
    createdAt: now,
    updatedAt: now,
  };
  if (input.dry_run) return { row: dryRun(base), persisted: false };
  if (input.require_approval) {
    const [row] = await deps.db
      .insert(remediations)
      .values({ ...base, status: "pending_approval", approvalExpiresAt: now + APPROVAL_TTL_MS })
      .returning();
    await noteOnIncident(deps.db, row!, "Remediation requested", agentOf(p), `${input.action} (${row!.id}) awaits approval`);
    return { row: row!, persisted: true };
  }
  const [row] = await deps.db
    .insert(remediations)
    .values({ ...base, status: "executing" })
    .returning();
  return { row: await run(deps, row!, p, false), persisted: true };
}

/** A second person: a signed-in user from the responder role up who did not make the request. */
function requireApprover(p: Principal, row: Remediation) {
  if (p.kind !== "user" && p.kind !== "session")
    throw new ApiError("forbidden", "Approvals must be given by a signed-in user, not an API key", { approval: "user_required" });
  if (!p.role || !(APPROVER_ROLES as readonly string[]).includes(p.role))
    throw new ApiError("forbidden", "Approving needs the 'responder' role or higher", { required_role: "responder" });
  if (agentOf(p) === row.requestedBy)
    throw new ApiError("forbidden", "The requester cannot approve their own remediation", { approval: "second_person_required" });
}

export async function approveRemediation(deps: Deps, p: Principal, id: string, notes?: string) {
  const row = await findRemediation(deps.db, p.tenantId, id);
  requireApprover(p, row);
  const now = Date.now();
  if (row.status === "pending_approval" && row.approvalExpiresAt !== null && row.approvalExpiresAt <= now) {
    await moveStatus(deps.db, row, "pending_approval", { status: "approval_expired" }).catch(() => undefined);
    throw conflict(`Remediation action '${id}' expired unapproved at ${new Date(row.approvalExpiresAt).toISOString()}`, {
      action_id: id,
      status: "approval_expired",
    });
  }
  const approved = await moveStatus(
    deps.db,
    row,
    "pending_approval",
    { status: "executing", approvedBy: agentOf(p), approvedAt: now, approvalNotes: notes ?? null },
    sql`${remediations.approvalExpiresAt} > ${now}`,
  );
  await noteOnIncident(deps.db, approved, "Remediation approved", agentOf(p), notes ?? `${row.action} (${row.id}) approved`);
  return run(deps, approved, p, true);
}

export async function rollbackRemediation(deps: Deps, actor: CommandActor, row: Remediation, reason: string) {
  if (!CATALOG[row.action].reversible || row.inverse === null)
    throw conflict(`${row.action} cannot be rolled back`, { action_id: row.id, reversible: false });
  const agent = agentOf(actor);
  const now = Date.now();
  const claimed = await moveStatus(deps.db, row, "completed", {
    status: "rolled_back",
    rolledBackAt: now,
    rolledBackBy: agent,
    rollbackReason: reason,
  });
  let outcome: unknown;
  try {
    outcome = await EFFECTS[row.action].undo(contextFor(deps, row, actor, true), row.inverse);
  } catch (err) {
    // The inverse could not be applied: the action still stands, and says so.
    await moveStatus(deps.db, claimed, "rolled_back", {
      status: "completed",
      rolledBackAt: null,
      rolledBackBy: null,
      rollbackReason: null,
    });
    throw err;
  }
  // Undone from here on: a failure below must not move the row back to `completed`.
  const done = { ...claimed, result: { ...(claimed.result ?? {}), rollback: outcome } };
  await deps.db.update(remediations).set({ result: done.result }).where(eq(remediations.id, row.id));
  await recordEffect(deps, done, { operation: "rollback", agent, note: `${row.action} (${row.id}): ${reason}` });
  return done;
}

export async function rollbackByUser(deps: Deps, p: Principal, id: string, reason: string) {
  requireResponder(p);
  const row = await findRemediation(deps.db, p.tenantId, id);
  if (row.status !== "completed")
    throw conflict(`Only a completed action can be rolled back; this one is ${row.status}`, {
      action_id: id,
      status: row.status,
    });
  return rollbackRemediation(deps, p, row, reason);
}
