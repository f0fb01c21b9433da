import { and, eq } from "drizzle-orm";
import { securityEvents } from "../../../schema";
import { registerJob, type JobContext } from "../jobs";
import { EVENT_CREATED_JOB } from "./emit";
import type { SecurityEvent } from "./model";
import { describeError } from "../log";

/**
 * What runs for every stored event, off the request path: rules, correlation and webhook
 * fan-out each register here as they land. Delivery is at least once, so a subscriber must be
 * idempotent by event id; a subscriber that throws makes the whole job retry.
 */
export type EventSubscriber = (event: SecurityEvent, ctx: JobContext) => Promise<void>;

const subscribers = new Map<string, EventSubscriber>();

export function subscribeToEvents(name: string, subscriber: EventSubscriber): void {
  if (subscribers.has(name)) throw new Error(`event subscriber '${name}' is already registered`);
  subscribers.set(name, subscriber);
}

registerJob(EVENT_CREATED_JOB, async (payload, message, ctx) => {
  const { eventId } = payload as { eventId: string };
  if (!message.tenantId || typeof eventId !== "string") throw new Error("event.created needs a tenant and an event id");
  const event = await ctx.db
    .select()
    .from(securityEvents)
    .where(and(eq(securityEvents.id, eventId), eq(securityEvents.tenantId, message.tenantId)))
    .get();
  // Deleted by retention before the job ran: nothing left to process.
  if (!event) return;
  for (const [name, subscriber] of subscribers) {
    try {
      await subscriber(event, ctx);
    } catch (err) {
      ctx.log.warn("event subscriber failed", { subscriber: name, event_id: event.id, error: describeError(err) });
      throw err;
    }
  }
});
