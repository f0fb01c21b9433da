import { and, asc, desc, eq } from "drizzle-orm";
import { webhookAttempts, webhookDeliveries, type DeliveryStatus } from "../../schema";
import type { Database } from "../platform/db";
import { notFound } from "../platform/errors";
import { newId } from "../platform/ids";
import { TEST_EVENT_TYPE } from "./catalog";
import { enqueueDeliveries } from "./fanout";
import { getWebhook } from "./store";
import { isoTime } from "../platform/time";

type Delivery = typeof webhookDeliveries.$inferSelect;
type Attempt = typeof webhookAttempts.$inferSelect;

export const deliveryView = (d: Delivery) => ({
  id: d.id,
  webhook_id: d.webhookId,
  event: d.eventType,
  event_id: d.eventId,
  status: d.status,
  attempts: d.attempts,
  next_attempt_at: isoTime(d.nextAttemptAt),
  last_status_code: d.lastStatusCode,
  replay_of: d.replayOf,
  created_at: isoTime(d.createdAt),
  completed_at: isoTime(d.completedAt),
});

export const attemptView = (a: Attempt) => ({
  attempt: a.attempt,
  at: isoTime(a.at),
  status_code: a.statusCode,
  latency_ms: a.latencyMs,
  error: a.error,
  response_excerpt: a.responseExcerpt,
  retry_in_seconds: a.retryInSeconds,
});

export async function listDeliveries(db: Database, tenantId: string, webhookId: string, status?: DeliveryStatus, limit = 50) {
  await getWebhook(db, tenantId, webhookId);
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.tenantId, tenantId),
        eq(webhookDeliveries.webhookId, webhookId),
        status ? eq(webhookDeliveries.status, status) : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.createdAt))
    .limit(limit);
  return rows.map(deliveryView);
}

async function loadDelivery(db: Database, tenantId: string, id: string): Promise<Delivery> {
  const d = await db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.tenantId, tenantId)))
    .get();
  if (!d) throw notFound(`Delivery '${id}'`, { delivery_id: id });
  return d;
}

/** A delivery with every attempt, oldest first: the per-event delivery log. */
export async function getDelivery(db: Database, tenantId: string, id: string) {
  const d = await loadDelivery(db, tenantId, id);
  const attempts = await db
    .select()
    .from(webhookAttempts)
    .where(eq(webhookAttempts.deliveryId, d.id))
    .orderBy(asc(webhookAttempts.attempt));
  return { ...deliveryView(d), attempt_log: attempts.map(attemptView) };
}

/** Every delivery of one pipeline event, across endpoints. */
export async function deliveriesOfEvent(db: Database, tenantId: string, eventId: string) {
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.tenantId, tenantId), eq(webhookDeliveries.eventId, eventId)));
  return rows.map(deliveryView);
}

async function createAndEnqueue(env: Env, db: Database, row: typeof webhookDeliveries.$inferInsert) {
  const [created] = await db.insert(webhookDeliveries).values(row).returning();
  await enqueueDeliveries(env, row.tenantId, [created!.id]);
  return deliveryView(created!);
}

/** A signed `webhook.test` delivery, whatever the endpoint subscribes to, with the usual retries. */
export async function sendTest(env: Env, db: Database, tenantId: string, webhookId: string) {
  const w = await getWebhook(db, tenantId, webhookId);
  const data = { message: "Test delivery from Vigil", webhook_id: w.id, sent_at: new Date().toISOString() };
  return createAndEnqueue(env, db, {
    id: newId("dlv"),
    tenantId,
    webhookId: w.id,
    eventType: TEST_EVENT_TYPE,
    data: JSON.stringify(data),
  });
}

/** Sends a past delivery's event again as a new delivery (a new webhook-id), linked to the original. */
export async function replayDelivery(env: Env, db: Database, tenantId: string, deliveryId: string) {
  const original = await loadDelivery(db, tenantId, deliveryId);
  await getWebhook(db, tenantId, original.webhookId);
  return createAndEnqueue(env, db, {
    id: newId("dlv"),
    tenantId,
    webhookId: original.webhookId,
    eventType: original.eventType,
    data: original.data,
    replayOf: original.id,
  });
}
