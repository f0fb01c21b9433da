import { and, asc, eq, lte } from "drizzle-orm";
import { remediations } from "../../../schema";
import { database } from "../../platform/db";
import { describeError, type Logger } from "../../platform/log";
import { rollbackRemediation } from "./service";
import { expireApprovals } from "./store";

/** How many expired actions one cron run rolls back; the rest wait for the next run. */
const PER_RUN = 100;

/**
 * The cron's remediation work: completed actions whose duration has passed are rolled back by
 * Vigil itself, and approval requests past their day are marked expired. One action that cannot
 * be rolled back (its target moved on) is logged and left standing; the others still run.
 */
export async function runRemediationExpiry(env: Env, now: number, log: Logger) {
  const db = database(env.DB);
  const approvalsExpired = await expireApprovals(db, now);
  const due = await db
    .select()
    .from(remediations)
    .where(and(eq(remediations.status, "completed"), lte(remediations.expiresAt, now)))
    .orderBy(asc(remediations.expiresAt))
    .limit(PER_RUN);
  let rolledBack = 0;
  for (const row of due) {
    const actor = { tenantId: row.tenantId, kind: "system" as const, id: "remediation-expiry" };
    try {
      await rollbackRemediation({ env, db, log }, actor, row, "duration elapsed");
      rolledBack++;
    } catch (err) {
      log.warn("expired remediation not rolled back", { action_id: row.id, error: describeError(err) });
    }
  }
  log.info("remediation expiry", { approvals_expired: approvalsExpired, rolled_back: rolledBack });
  return { approvalsExpired, rolledBack };
}
