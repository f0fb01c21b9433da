import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt } from "./columns";
import { INCIDENT_SEVERITIES } from "./incidents";
import { tenantRef } from "./tenants";

/**
 * Ingested log records (`POST /api/v1/logs`), kept for `logDays` (maintenance prunes them) so rules
 * can be backtested; `payload` is the record's JSON as received.
 */
export const logs = sqliteTable(
  "logs",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    tenantId: tenantRef(),
    receivedAt: integer("received_at").notNull(),
    payload: text("payload").notNull(),
  },
  (t) => [index("logs_tenant_time").on(t.tenantId, t.receivedAt), index("logs_time").on(t.receivedAt)],
);

export const RULE_TYPES = ["detection", "correlation", "response"] as const;

export interface Threshold {
  metric: "event_count";
  operator: ">" | ">=" | "<" | "<=" | "=" | "==" | "!=";
  value: number;
}

export interface RuleConditions {
  query: string;
  /** Seconds over which thresholds count matches (a sliding window). */
  time_window?: number;
  thresholds?: Threshold[];
  /** A field path: thresholds count each of its values apart (e.g. per source IP). */
  group_by?: string;
}

export interface RuleActions {
  notify?: string[];
  escalate?: boolean;
}

/** A detection rule; `condition` is its compiled tree (JSON), so evaluation never re-parses text. */
export const rules = sqliteTable(
  "rules",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    name: text("name").notNull(),
    description: text("description"),
    type: text("type", { enum: RULE_TYPES }).notNull(),
    severity: text("severity", { enum: INCIDENT_SEVERITIES }).notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    conditions: text("conditions", { mode: "json" }).$type<RuleConditions>().notNull(),
    condition: text("condition").notNull(),
    actions: text("actions", { mode: "json" }).$type<RuleActions>().notNull(),
    source: text("source", { enum: ["sql", "sigma"] })
      .notNull()
      .default("sql"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("rules_tenant").on(t.tenantId, t.createdAt), index("rules_tenant_enabled").on(t.tenantId, t.enabled)],
);

/** Each log a rule matched, with its group value, so thresholds count a sliding window. */
export const ruleMatches = sqliteTable(
  "rule_matches",
  {
    ruleId: text("rule_id")
      .notNull()
      .references(() => rules.id, { onDelete: "cascade" }),
    logId: integer("log_id").notNull(),
    groupValue: text("group_value").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.ruleId, t.logId] }),
    index("rule_matches_window").on(t.ruleId, t.groupValue, t.at),
    index("rule_matches_at").on(t.at),
  ],
);

/**
 * When a rule last fired per group: it fires again only after its window has passed. A firing is
 * carried out in steps (event, incident, announcement, notifications); `completed_at` stays null
 * until the last one, so a redelivered job resumes a firing an error interrupted.
 */
export const ruleFirings = sqliteTable(
  "rule_firings",
  {
    ruleId: text("rule_id")
      .notNull()
      .references(() => rules.id, { onDelete: "cascade" }),
    groupValue: text("group_value").notNull(),
    firedAt: integer("fired_at").notNull(),
    completedAt: integer("completed_at"),
    /** The incident this firing opened or added an occurrence to, once it has. */
    incidentId: text("incident_id"),
    incidentCreated: integer("incident_created", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.ruleId, t.groupValue] })],
);
