import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt } from "./columns";
import { tenantRef } from "./tenants";

export const INCIDENT_STATUSES = ["OPEN", "INVESTIGATING", "REMEDIATING", "RESOLVED", "FALSE_POSITIVE"] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export const INCIDENT_SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW"] as const;
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];

/** Sorting by severity sorts by this rank (CRITICAL highest), kept in its own indexed column. */
export const SEVERITY_RANK: Record<IncidentSeverity, number> = { CRITICAL: 4, HIGH: 3, MEDIUM: 2, LOW: 1 };

/**
 * An incident. `number` is the tenant's human reference (`INC-2026-001`); `dedup_key`, while
 * the incident is open (neither resolved nor a false positive), makes later hits with the same
 * key occurrences of it rather than new incidents: a partial unique index enforces one.
 */
export const incidents = sqliteTable(
  "incidents",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    number: text("number").notNull(),
    type: text("type").notNull(),
    severity: text("severity", { enum: INCIDENT_SEVERITIES }).notNull(),
    severityRank: integer("severity_rank").notNull(),
    status: text("status", { enum: INCIDENT_STATUSES }).notNull().default("OPEN"),
    description: text("description"),
    affectedResources: text("affected_resources", { mode: "json" }).$type<string[]>().notNull(),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    assignedTo: text("assigned_to"),
    dedupKey: text("dedup_key"),
    occurrences: integer("occurrences").notNull().default(1),
    resolutionNotes: text("resolution_notes"),
    resolvedAt: integer("resolved_at"),
    /** The latest completed analysis, as the seed's incident shows it. */
    analysis: text("analysis", { mode: "json" }).$type<Record<string, unknown>>(),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  // Each list order has an index ending in (created_at, id), the tie-breakers, so a page is read
  // in order and the read stops at the page's end.
  (t) => [
    uniqueIndex("incidents_number").on(t.tenantId, t.number),
    index("incidents_created").on(t.tenantId, t.createdAt, t.id),
    index("incidents_updated").on(t.tenantId, t.updatedAt, t.createdAt, t.id),
    index("incidents_severity").on(t.tenantId, t.severityRank, t.createdAt, t.id),
    index("incidents_status").on(t.tenantId, t.status, t.createdAt, t.id),
    index("incidents_type").on(t.tenantId, t.type, t.createdAt, t.id),
    uniqueIndex("incidents_open_dedup")
      .on(t.tenantId, t.dedupKey)
      .where(sql`dedup_key IS NOT NULL AND status NOT IN ('RESOLVED', 'FALSE_POSITIVE')`),
  ],
);

/** Every change to an incident, in order: who, when, what. */
export const incidentTimeline = sqliteTable(
  "incident_timeline",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    tenantId: tenantRef(),
    incidentId: text("incident_id")
      .notNull()
      .references(() => incidents.id, { onDelete: "cascade" }),
    at: integer("at").notNull(),
    event: text("event").notNull(),
    agent: text("agent").notNull(),
    details: text("details").notNull(),
  },
  (t) => [index("incident_timeline_incident").on(t.incidentId, t.id)],
);

/** The next incident number per tenant and year, taken with one conditional upsert. */
export const incidentCounters = sqliteTable(
  "incident_counters",
  {
    tenantId: tenantRef(),
    year: integer("year").notNull(),
    last: integer("last").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.year] })],
);

/**
 * How many of a tenant's incidents have each status, severity and type, kept by triggers on
 * `incidents` (migration 0018) in the same statement as the change. A list filtered by nothing
 * but these answers its `total` from here instead of counting every matching incident.
 */
export const incidentCounts = sqliteTable(
  "incident_counts",
  {
    tenantId: tenantRef(),
    status: text("status", { enum: INCIDENT_STATUSES }).notNull(),
    severity: text("severity", { enum: INCIDENT_SEVERITIES }).notNull(),
    type: text("type").notNull(),
    n: integer("n").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.status, t.severity, t.type] })],
);
