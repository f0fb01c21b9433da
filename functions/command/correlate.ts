import { and, inArray, sql } from "drizzle-orm";
import { correlations, securityEvents } from "../../schema";
import { selectInChunks, type Database } from "../platform/db";
import { notFound } from "../platform/errors";
import { emitEvent } from "../platform/events/emit";
import { newId } from "../platform/ids";
import type { Logger } from "../platform/log";
import { correlate, type Correlation } from "./correlation";
import { findNodeByName } from "./mesh";

/** A concrete command, chosen from the evidence and the tenant's mesh. */
async function recommend(db: Database, tenantId: string, c: Correlation): Promise<string> {
  const system = c.target?.system;
  const node = system ? await findNodeByName(db, tenantId, system) : undefined;
  const live = node && node.state !== "ISOLATED";
  if (live && (c.maxSeverity === "critical" || c.maxSeverity === "high") && c.certainty >= 50)
    return `Isolate node ${node.id} (POST /api/isolate-node): ${c.threatVector} with ${c.certainty}% certainty`;
  if (c.certainty >= 70)
    return `Rotate the mesh signing keys (POST /api/rotate-keys): ${c.threatVector} with ${c.certainty}% certainty`;
  if (live) return `Reroute traffic around node ${node.id} (POST /api/reroute) while the activity is investigated`;
  return `Rotate the mesh signing keys (POST /api/rotate-keys) if the activity continues; no mesh node matches the targeted system`;
}

/**
 * Correlates a tenant's events, stores and emits the result. With `triggerEventId` (automatic
 * correlation) at most one result is stored per trigger, so a redelivered job stores nothing
 * new and returns null.
 */
export async function correlateEvents(
  env: Env,
  db: Database,
  tenantId: string,
  eventIds: string[],
  log: Logger,
  triggerEventId?: string,
) {
  const unique = [...new Set(eventIds)];
  const events = await selectInChunks(unique, (part) =>
    db
      .select()
      .from(securityEvents)
      // `+tenant_id` keeps the tenant check but stops SQLite from preferring the tenant index (a scan
      // of the tenant's history) over the primary key lookups.
      .where(and(sql`+${securityEvents.tenantId} = ${tenantId}`, inArray(securityEvents.id, part))),
  );
  const found = new Set(events.map((e) => e.id));
  const missing = unique.filter((id) => !found.has(id));
  if (missing.length) throw notFound(`Events ${missing.join(", ")}`, { eventIds: missing });
  const result = correlate(events);
  const recommendation = await recommend(db, tenantId, result);
  const id = newId("cor");
  const now = Date.now();
  const stored = await db
    .insert(correlations)
    .values({
      id,
      tenantId,
      eventIds: unique,
      threatVector: result.threatVector,
      certainty: result.certainty,
      recommendation,
      factors: result.factors,
      triggerEventId,
      createdAt: now,
    })
    .onConflictDoNothing()
    .returning({ id: correlations.id });
  if (!stored.length) return null;
  await emitEvent(
    env,
    {
      tenantId: tenantId,
      source: "command",
      type: "command.correlation.created",
      severity: result.certainty >= 80 ? "high" : result.certainty >= 50 ? "medium" : "low",
      country: result.origin?.country ?? null,
      description: `Correlated ${unique.length} events: ${result.threatVector} (${result.certainty}%)`,
      details: { correlationId: id, eventIds: unique, certainty: result.certainty, threatVector: result.threatVector },
    },
    log,
  );
  return {
    id,
    timestamp: now,
    eventIds: unique,
    threatVector: result.threatVector,
    certainty: result.certainty,
    recommendation,
    factors: result.factors,
  };
}
