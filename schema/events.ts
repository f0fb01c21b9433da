import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt } from "./columns";
import { tenantRef } from "./tenants";

export const SEVERITIES = ["critical", "high", "medium", "low"] as const;
export type Severity = (typeof SEVERITIES)[number];
export const SYSTEM_TYPES = ["grid", "lng", "access", "comms", "defense"] as const;
export type SystemType = (typeof SYSTEM_TYPES)[number];
export const EVENT_SOURCES = ["command", "av", "quantum", "incidents", "platform"] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

/**
 * The one internal security event every family emits into. The command console's
 * ThreatEvent is its public projection; the rest (type, source, details) serves rules,
 * correlation and webhooks.
 */
export const securityEvents = sqliteTable(
  "security_events",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    occurredAt: integer("occurred_at").notNull(),
    source: text("source", { enum: EVENT_SOURCES }).notNull(),
    type: text("type").notNull(),
    severity: text("severity", { enum: SEVERITIES }).notNull(),
    country: text("country"),
    countryCode: text("country_code"),
    system: text("system"),
    systemType: text("system_type", { enum: SYSTEM_TYPES }),
    description: text("description").notNull(),
    details: text("details", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index("security_events_tenant_time").on(t.tenantId, t.occurredAt, t.id),
    index("security_events_time").on(t.occurredAt),
  ],
);

/** Stored results of POST /api/correlate, with the factors that produced them. */
export const correlations = sqliteTable(
  "correlations",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    eventIds: text("event_ids", { mode: "json" }).$type<string[]>().notNull(),
    threatVector: text("threat_vector").notNull(),
    certainty: integer("certainty").notNull(),
    recommendation: text("recommendation").notNull(),
    factors: text("factors", { mode: "json" }).$type<unknown[]>().notNull(),
    /** Set when the pipeline correlated automatically on this event's arrival; one correlation per trigger. */
    triggerEventId: text("trigger_event_id"),
    createdAt: createdAt(),
  },
  (t) => [
    index("correlations_tenant_time").on(t.tenantId, t.createdAt),
    uniqueIndex("correlations_trigger").on(t.tenantId, t.triggerEventId),
  ],
);
