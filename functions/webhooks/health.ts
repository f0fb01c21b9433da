import { eq, sql } from "drizzle-orm";
import { webhooks } from "../../schema";
import type { Database } from "../platform/db";
import { database } from "../platform/db";
import { emitEvent } from "../platform/events/emit";
import type { Logger } from "../platform/log";
import type { Webhook } from "./store";

/** An endpoint that has failed every attempt for an hour, at least ten times running, is disabled. */
export const FAILURES_TO_DISABLE = 10;
export const FAILING_FOR_MS = 3_600_000;

export async function recordSuccess(db: Database, w: Webhook) {
  if (w.consecutiveFailures === 0) return;
  await db.update(webhooks).set({ consecutiveFailures: 0, firstFailureAt: null }).where(eq(webhooks.id, w.id));
}

export async function recordFailure(env: Env, w: Webhook, log: Logger) {
  const now = Date.now();
  const [row] = await database(env.DB)
    .update(webhooks)
    .set({
      consecutiveFailures: sql`${webhooks.consecutiveFailures} + 1`,
      firstFailureAt: sql`coalesce(${webhooks.firstFailureAt}, ${now})`,
    })
    .where(eq(webhooks.id, w.id))
    .returning();
  if (
    row &&
    row.disabledAt === null &&
    row.consecutiveFailures >= FAILURES_TO_DISABLE &&
    now - (row.firstFailureAt ?? now) >= FAILING_FOR_MS
  )
    await disableEndpoint(
      env,
      row,
      `${row.consecutiveFailures} consecutive failed attempts since ${new Date(row.firstFailureAt!).toISOString()}`,
      log,
    );
}

/** Disabling is loud: a critical system alert goes through the pipeline (and so to other endpoints). Re-enabling is explicit. */
export async function disableEndpoint(env: Env, w: Webhook, reason: string, log: Logger) {
  const [row] = await database(env.DB)
    .update(webhooks)
    .set({ disabledAt: Date.now(), disabledReason: reason, updatedAt: Date.now() })
    .where(eq(webhooks.id, w.id))
    .returning({ id: webhooks.id });
  if (!row) return;
  await emitEvent(
    env,
    {
      tenantId: w.tenantId,
      source: "platform",
      type: "system.alert.critical",
      severity: "critical",
      description: `Webhook endpoint ${w.id} disabled: ${reason}`,
      details: { alert: "webhook.endpoint.disabled", webhook_id: w.id, url: w.url, reason },
    },
    log,
  );
}
