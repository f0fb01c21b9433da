import { and, eq, sql } from "drizzle-orm";
import {
  incidentCounters,
  incidents,
  incidentTimeline,
  SEVERITY_RANK,
  type IncidentSeverity,
  type IncidentStatus,
} from "../../schema";
import { isUniqueViolation, type Database } from "../platform/db";
import { conflict, notFound } from "../platform/errors";
import { newId } from "../platform/ids";
import { isClosed, requireMove } from "./lifecycle";

export type Incident = typeof incidents.$inferSelect;
export type TimelineEntry = { event: string; agent: string; details: string };

export interface NewIncident {
  type: string;
  severity: IncidentSeverity;
  description?: string;
  affected_resources?: string[];
  metadata?: Record<string, unknown>;
  dedup_key?: string;
}

/** The tenant's next `INC-<year>-<n>`; numbers are never reused (a failed insert leaves a gap). */
async function nextNumber(db: Database, tenantId: string, now: number): Promise<string> {
  const year = new Date(now).getUTCFullYear();
  const [row] = await db
    .insert(incidentCounters)
    .values({ tenantId, year, last: 1 })
    .onConflictDoUpdate({ target: [incidentCounters.tenantId, incidentCounters.year], set: { last: sql`last + 1` } })
    .returning({ last: incidentCounters.last });
  return `INC-${year}-${String(row!.last).padStart(3, "0")}`;
}

const openWithKey = (db: Database, tenantId: string, key: string) =>
  db
    .select()
    .from(incidents)
    .where(
      and(
        eq(incidents.tenantId, tenantId),
        eq(incidents.dedupKey, key),
        sql`${incidents.status} NOT IN ('RESOLVED', 'FALSE_POSITIVE')`,
      ),
    )
    .get();

export type Opened = { incident: Incident; created: boolean };

/**
 * Opens an incident, or, when an open one carries the same `dedup_key`, records another
 * occurrence of it. Two racing creates with one key are settled by the partial unique index:
 * the loser becomes an occurrence.
 */
export async function openIncident(db: Database, tenantId: string, input: NewIncident, agent: string): Promise<Opened> {
  if (input.dedup_key) {
    const open = await openWithKey(db, tenantId, input.dedup_key);
    if (open) return { incident: await addOccurrence(db, open, input, agent), created: false };
  }
  const now = Date.now();
  const row = {
    id: newId("inc"),
    tenantId,
    number: await nextNumber(db, tenantId, now),
    type: input.type,
    severity: input.severity,
    severityRank: SEVERITY_RANK[input.severity],
    status: "OPEN" as const,
    description: input.description ?? null,
    affectedResources: input.affected_resources ?? [],
    metadata: input.metadata ?? {},
    dedupKey: input.dedup_key ?? null,
    createdAt: now,
    updatedAt: now,
  };
  const details = input.description ?? `${input.type} (${input.severity})`;
  try {
    const [inserted] = await db.batch([
      db.insert(incidents).values(row).returning(),
      db.insert(incidentTimeline).values({ tenantId, incidentId: row.id, at: now, event: "Incident created", agent, details }),
    ]);
    return { incident: inserted[0]!, created: true };
  } catch (err) {
    if (!input.dedup_key || !isUniqueViolation(err)) throw err;
    const open = await openWithKey(db, tenantId, input.dedup_key);
    if (!open) throw err;
    return { incident: await addOccurrence(db, open, input, agent), created: false };
  }
}

/**
 * `updated_at` is the incident's version: the guard on concurrent changes and the key of the
 * version's event (incidents.ts announceIncident), so it strictly increases even within a millisecond.
 */
export const nextVersion = (now: number) => sql<number>`max(${incidents.updatedAt} + 1, ${now})`;

async function addOccurrence(db: Database, open: Incident, input: NewIncident, agent: string): Promise<Incident> {
  const now = Date.now();
  const [updated] = await db.batch([
    db
      .update(incidents)
      .set({ occurrences: sql`${incidents.occurrences} + 1`, updatedAt: nextVersion(now) })
      .where(eq(incidents.id, open.id))
      .returning(),
    db.insert(incidentTimeline).values({
      tenantId: open.tenantId,
      incidentId: open.id,
      at: now,
      event: "Occurrence added",
      agent,
      details: input.description ?? `Another ${input.type} with dedup key ${input.dedup_key}`,
    }),
  ]);
  return updated[0]!;
}

/** By id (`inc_…`) or by the tenant's number (`INC-2026-001`); another tenant's incident is 404. */
export async function findIncident(db: Database, tenantId: string, id: string): Promise<Incident> {
  const row = await db
    .select()
    .from(incidents)
    .where(and(eq(incidents.tenantId, tenantId), id.startsWith("INC-") ? eq(incidents.number, id) : eq(incidents.id, id)))
    .get();
  if (!row) throw notFound(`Incident '${id}'`, { incident_id: id });
  return row;
}

export function timelineOf(db: Database, incidentId: string) {
  return db
    .select({
      at: incidentTimeline.at,
      event: incidentTimeline.event,
      agent: incidentTimeline.agent,
      details: incidentTimeline.details,
    })
    .from(incidentTimeline)
    .where(eq(incidentTimeline.incidentId, incidentId))
    .orderBy(incidentTimeline.id)
    .all();
}

export interface Change {
  status?: IncidentStatus;
  severity?: IncidentSeverity;
  assignedTo?: string;
  resolutionNotes?: string;
  notes?: string;
}

function entriesFor(before: Incident, change: Change): Omit<TimelineEntry, "agent">[] {
  const entries: Omit<TimelineEntry, "agent">[] = [];
  if (change.status && change.status !== before.status)
    entries.push({ event: "Status changed", details: `${before.status} → ${change.status}` });
  if (change.severity && change.severity !== before.severity)
    entries.push({ event: "Severity changed", details: `${before.severity} → ${change.severity}` });
  if (change.assignedTo !== undefined && change.assignedTo !== before.assignedTo)
    entries.push({ event: "Assigned", details: `Assigned to ${change.assignedTo}` });
  if (change.resolutionNotes) entries.push({ event: "Resolution notes", details: change.resolutionNotes });
  if (change.notes) entries.push({ event: "Note", details: change.notes });
  return entries;
}

/**
 * Applies a change if the status move is allowed. The update is conditional on the status read,
 * so two racing changes cannot both move the same incident: the loser gets 409.
 */
export async function changeIncident(db: Database, before: Incident, change: Change, agent: string): Promise<Incident> {
  if (change.status && change.status !== before.status) requireMove(before.status, change.status);
  const entries = entriesFor(before, change);
  if (!entries.length) return before;
  const now = Date.now();
  const status = change.status ?? before.status;
  const [updated] = await db.batch([
    db
      .update(incidents)
      .set({
        status,
        severity: change.severity ?? before.severity,
        severityRank: SEVERITY_RANK[change.severity ?? before.severity],
        assignedTo: change.assignedTo ?? before.assignedTo,
        resolutionNotes: change.resolutionNotes ?? before.resolutionNotes,
        resolvedAt: isClosed(status) && !isClosed(before.status) ? now : before.resolvedAt,
        updatedAt: nextVersion(now),
      })
      .where(and(eq(incidents.id, before.id), eq(incidents.status, before.status), eq(incidents.updatedAt, before.updatedAt)))
      .returning(),
    // Written only when the update above changed the row (`changes()` still counts it), so a
    // change that lost a race leaves no timeline entries describing it.
    db
      .insert(incidentTimeline)
      .select(
        sql`SELECT NULL, ${before.tenantId}, ${before.id}, ${now}, json_extract(value, '$.event'), ${agent}, json_extract(value, '$.details') FROM json_each(${JSON.stringify(entries)}) WHERE changes() > 0`,
      ),
  ]);
  if (!updated[0])
    throw conflict("The incident changed while this request was applied; read it again and retry", { incident_id: before.id });
  return updated[0];
}
