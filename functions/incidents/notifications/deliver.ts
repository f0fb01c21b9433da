import { and, eq, inArray } from "drizzle-orm";
import { notifications } from "../../../schema";
import type { Database } from "../../platform/db";
import { jobMessage, MAX_QUEUE_DELAY_SECONDS, registerJob, RetryLater, type JobContext } from "../../platform/jobs";
import { destinationFor } from "./destination";
import { DELIVER_NOTIFICATION_JOB } from "./notify";
import { channelsOf, loadPreferences, quietHoursOf, type PreferencesRow } from "./preferences";
import { quietSecondsLeft } from "./quiet-hours";
import { send, type SendOutcome } from "./send";

type Notification = typeof notifications.$inferSelect;

export const MAX_ATTEMPTS = 5;
/** Seconds to wait before attempts 2…5. */
export const RETRY_SECONDS = [2, 30, 120, 600];
const PENDING = ["queued", "held_quiet_hours"] as const;

async function load(db: Database, tenantId: string, id: string) {
  return db
    .select()
    .from(notifications)
    .where(and(eq(notifications.id, id), eq(notifications.tenantId, tenantId)))
    .get();
}

const settle = (db: Database, id: string, set: Partial<Notification>) =>
  db.update(notifications).set(set).where(eq(notifications.id, id));

/** Claims the next attempt: of two duplicate messages, only the one whose conditional update lands sends. */
async function claim(db: Database, n: Notification): Promise<boolean> {
  const [row] = await db
    .update(notifications)
    .set({ attempts: n.attempts + 1, status: "queued" })
    .where(and(eq(notifications.id, n.id), inArray(notifications.status, PENDING), eq(notifications.attempts, n.attempts)))
    .returning({ id: notifications.id });
  return Boolean(row);
}

/**
 * Quiet hours are checked again on every arrival: a hold longer than the queue's 12 h delay, a DST
 * change or preferences edited meanwhile may leave the user still inside the window. A new delayed
 * message (rather than a retry) keeps the hold from using up the queue's retry budget.
 */
async function holdIfQuiet(ctx: JobContext, n: Notification, prefs: PreferencesRow): Promise<boolean> {
  if (n.severity === "CRITICAL") return false;
  const left = quietSecondsLeft(quietHoursOf(prefs), Date.now());
  if (left <= 0) return false;
  await settle(ctx.db, n.id, { status: "held_quiet_hours", reason: `quiet hours end in ${Math.ceil(left / 60)} min` });
  const message = jobMessage(DELIVER_NOTIFICATION_JOB, n.tenantId, { notificationId: n.id });
  await ctx.env.WEBHOOKS.send(message, { delaySeconds: Math.min(left, MAX_QUEUE_DELAY_SECONDS) });
  return true;
}

const describe = (o: SendOutcome) => `${o.status ?? "no answer"}: ${o.response}`.slice(0, 500);

/** 2xx: sent. Retryable answers come back after RETRY_SECONDS until MAX_ATTEMPTS; anything else fails now. */
async function conclude(db: Database, n: Notification, attempt: number, o: SendOutcome) {
  if (o.verdict === "sent")
    return settle(db, n.id, { status: "sent", providerStatus: o.status, reason: null, sentAt: Date.now() });
  if (o.verdict === "failed" || attempt >= MAX_ATTEMPTS)
    return settle(db, n.id, { status: "failed", providerStatus: o.status, reason: describe(o) });
  const delay = RETRY_SECONDS[attempt - 1]!;
  await settle(db, n.id, {
    providerStatus: o.status,
    reason: `attempt ${attempt} failed (${describe(o)}); retrying in ${delay} s`,
  });
  throw new RetryLater(delay, `notification ${n.id} attempt ${attempt} failed`);
}

export async function deliverNotification(tenantId: string, id: string, ctx: JobContext): Promise<void> {
  const { env, db } = ctx;
  const n = await load(db, tenantId, id);
  if (!n || !(PENDING as readonly string[]).includes(n.status)) return;
  const prefs = n.userId ? await loadPreferences(db, n.userId) : null;
  if (!prefs) return void (await settle(db, n.id, { status: "skipped", reason: "the user has no notification preferences" }));
  if (await holdIfQuiet(ctx, n, prefs)) return;
  const resolved = await destinationFor(env, db, tenantId, channelsOf(prefs), n.channel);
  if ("skip" in resolved) return void (await settle(db, n.id, { status: "skipped", reason: resolved.skip }));
  if (!(await claim(db, n))) return;
  await conclude(db, n, n.attempts + 1, await send(env, resolved.destination, n));
}

registerJob(DELIVER_NOTIFICATION_JOB, async (payload, message, ctx) => {
  const { notificationId } = payload as { notificationId?: unknown };
  if (!message.tenantId || typeof notificationId !== "string") throw new Error("notification.deliver needs a tenant and an id");
  await deliverNotification(message.tenantId, notificationId, ctx);
});
