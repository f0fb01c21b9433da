import { and, eq, isNull } from "drizzle-orm";
import { webhookDeliveries, webhooks } from "../../schema";
import { chunked, MAX_BOUND_PARAMS, type Database } from "../platform/db";
import type { SecurityEvent } from "../platform/events/model";
import { subscribeToEvents } from "../platform/events/subscribers";
import { newId } from "../platform/ids";
import { jobMessage } from "../platform/jobs";
import { isCatalogType, subscribes } from "./catalog";

export const DELIVER_JOB = "webhook.deliver";

/** The payload's `data`: the event's own facts, with the family's structured details alongside. */
export function eventData(e: SecurityEvent): Record<string, unknown> {
  return {
    ...e.details,
    event_id: e.id,
    source: e.source,
    severity: e.severity,
    description: e.description,
    occurred_at: new Date(e.occurredAt).toISOString(),
    country: e.country,
    country_code: e.countryCode,
    system: e.system,
    system_type: e.systemType,
  };
}

/** Queues take at most 100 messages per sendBatch. */
const SEND_BATCH_MAX = 100;
/** A delivery row binds 12 parameters; D1 allows 100 per statement. */
const DELIVERY_ROWS_PER_INSERT = Math.floor(MAX_BOUND_PARAMS / 12);

export async function enqueueDeliveries(env: Env, tenantId: string, deliveryIds: string[]) {
  for (const part of chunked(deliveryIds, SEND_BATCH_MAX))
    await env.WEBHOOKS.sendBatch(part.map((deliveryId) => ({ body: jobMessage(DELIVER_JOB, tenantId, { deliveryId }) })));
}

async function subscribedEndpoints(db: Database, event: SecurityEvent) {
  const active = await db
    .select({ id: webhooks.id, events: webhooks.events })
    .from(webhooks)
    .where(and(eq(webhooks.tenantId, event.tenantId), eq(webhooks.active, true), isNull(webhooks.disabledAt)));
  return active.filter((w) => subscribes(w.events, event.type));
}

/**
 * Every catalog event reaches the tenant's subscribed endpoints: one delivery row per endpoint
 * (unique per endpoint and event, so a redelivered job adds none) and one WEBHOOKS message per
 * delivery not yet attempted. A message sent twice is harmless: the consumer claims each attempt once.
 */
subscribeToEvents("webhooks.fanout", async (event, { env, db }) => {
  if (!isCatalogType(event.type)) return;
  const endpoints = await subscribedEndpoints(db, event);
  if (!endpoints.length) return;
  const data = JSON.stringify(eventData(event));
  const rows = endpoints.map((w) => ({
    id: newId("dlv"),
    tenantId: event.tenantId,
    webhookId: w.id,
    eventId: event.id,
    eventType: event.type,
    data,
  }));
  const [first, ...rest] = chunked(rows, DELIVERY_ROWS_PER_INSERT).map((part) =>
    db.insert(webhookDeliveries).values(part).onConflictDoNothing(),
  );
  await db.batch([first!, ...rest]);
  const unsent = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.tenantId, event.tenantId),
        eq(webhookDeliveries.eventId, event.id),
        eq(webhookDeliveries.status, "pending"),
        eq(webhookDeliveries.attempts, 0),
      ),
    );
  await enqueueDeliveries(
    env,
    event.tenantId,
    unsent.map((d) => d.id),
  );
});
