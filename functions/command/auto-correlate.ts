import { and, desc, eq, gte, lte, notInArray, or } from "drizzle-orm";
import { securityEvents } from "../../schema";
import { PIPELINE_OUTPUT_TYPES } from "../platform/events/model";
import { subscribeToEvents } from "../platform/events/subscribers";
import { correlateEvents } from "./correlate";

/** How far back a new critical or high event looks for related events, and how many it takes. */
export const AUTO_WINDOW_MS = 15 * 60_000;
export const AUTO_MAX_EVENTS = 50;

/**
 * Every new critical or high event is correlated against the tenant's recent events that share
 * its system type or origin. Idempotent by trigger event: a redelivery stores nothing new.
 */
subscribeToEvents("command.auto-correlate", async (event, { env, db, log }) => {
  if ((event.severity !== "critical" && event.severity !== "high") || PIPELINE_OUTPUT_TYPES.includes(event.type)) return;
  const related = [
    event.systemType ? eq(securityEvents.systemType, event.systemType) : undefined,
    event.countryCode && event.countryCode !== "ZZ" ? eq(securityEvents.countryCode, event.countryCode) : undefined,
  ].filter((c) => c !== undefined);
  if (!related.length) return;
  const recent = await db
    .select({ id: securityEvents.id })
    .from(securityEvents)
    .where(
      and(
        eq(securityEvents.tenantId, event.tenantId),
        gte(securityEvents.occurredAt, event.occurredAt - AUTO_WINDOW_MS),
        lte(securityEvents.occurredAt, event.occurredAt),
        notInArray(securityEvents.type, PIPELINE_OUTPUT_TYPES),
        or(...related),
      ),
    )
    .orderBy(desc(securityEvents.occurredAt))
    .limit(AUTO_MAX_EVENTS);
  const ids = recent.map((r) => r.id);
  if (!ids.includes(event.id)) ids.push(event.id);
  if (ids.length < 2) return;
  await correlateEvents(env, db, event.tenantId, ids, log, event.id);
});
