import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt } from "./columns";
import { incidents } from "./incidents";
import { tenantRef, users } from "./tenants";

export const ANALYSIS_STATUSES = ["in_progress", "completed", "failed"] as const;
export type AnalysisStatus = (typeof ANALYSIS_STATUSES)[number];

/** One requested analysis of an incident; `results` is the seed's result object once completed. */
export const analyses = sqliteTable(
  "analyses",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    incidentId: text("incident_id")
      .notNull()
      .references(() => incidents.id, { onDelete: "cascade" }),
    analysisType: text("analysis_type").notNull(),
    urgency: text("urgency").notNull(),
    includeRecommendations: integer("include_recommendations", { mode: "boolean" }).notNull(),
    status: text("status", { enum: ANALYSIS_STATUSES }).notNull().default("in_progress"),
    results: text("results", { mode: "json" }).$type<Record<string, unknown>>(),
    error: text("error"),
    requestedBy: text("requested_by").notNull(),
    createdAt: createdAt(),
    completedAt: integer("completed_at"),
  },
  (t) => [index("analyses_incident").on(t.tenantId, t.incidentId, t.createdAt)],
);

export const INDICATOR_KINDS = ["ip", "cidr", "domain"] as const;
export type IndicatorKind = (typeof INDICATOR_KINDS)[number];

/**
 * Threat indicators a tenant imported (CSV or STIX 2.1 bundles): the analyser's outside view of
 * an address or domain. One row per value; a later import merges its campaigns in.
 */
export const threatIndicators = sqliteTable(
  "threat_indicators",
  {
    tenantId: tenantRef(),
    kind: text("kind", { enum: INDICATOR_KINDS }).notNull(),
    value: text("value").notNull(),
    reputation: text("reputation", { enum: ["malicious", "suspicious"] }).notNull(),
    campaigns: text("campaigns", { mode: "json" }).$type<string[]>().notNull(),
    source: text("source").notNull(),
    firstSeen: integer("first_seen"),
    validUntil: integer("valid_until"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.kind, t.value] })],
);

export const REMEDIATION_ACTIONS = [
  "block_ip",
  "isolate_node",
  "rotate_keys",
  "revoke_api_key",
  "disable_user",
  "quarantine_device",
  "force_password_reset",
] as const;
export type RemediationAction = (typeof REMEDIATION_ACTIONS)[number];

export const REMEDIATION_STATUSES = [
  "pending_approval",
  "executing",
  "completed",
  "failed",
  "rolled_back",
  "approval_expired",
  "dry_run",
] as const;
export type RemediationStatus = (typeof REMEDIATION_STATUSES)[number];

/** One change an action makes, as its plan (and a dry run) shows it. */
export interface PlanStep {
  operation: string;
  target: string;
  detail: string;
}

/**
 * A remediation request and what became of it. `inverse` is recorded when the action runs: the
 * exact prior state that rollback (by hand, or when `expires_at` passes) puts back.
 */
export const remediations = sqliteTable(
  "remediations",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    incidentId: text("incident_id").references(() => incidents.id, { onDelete: "set null" }),
    action: text("action", { enum: REMEDIATION_ACTIONS }).notNull(),
    parameters: text("parameters", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    status: text("status", { enum: REMEDIATION_STATUSES }).notNull(),
    requireApproval: integer("require_approval", { mode: "boolean" }).notNull(),
    requestedBy: text("requested_by").notNull(),
    approvalExpiresAt: integer("approval_expires_at"),
    approvedBy: text("approved_by"),
    approvalNotes: text("approval_notes"),
    approvedAt: integer("approved_at"),
    plan: text("plan", { mode: "json" }).$type<PlanStep[]>().notNull(),
    result: text("result", { mode: "json" }).$type<Record<string, unknown>>(),
    inverse: text("inverse", { mode: "json" }).$type<Record<string, unknown>>(),
    error: text("error"),
    executedAt: integer("executed_at"),
    expiresAt: integer("expires_at"),
    rolledBackAt: integer("rolled_back_at"),
    rolledBackBy: text("rolled_back_by"),
    rollbackReason: text("rollback_reason"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("remediations_tenant").on(t.tenantId, t.createdAt),
    index("remediations_incident").on(t.incidentId),
    index("remediations_due").on(t.status, t.expiresAt),
  ],
);

/**
 * Addresses a tenant's ingestion endpoints refuse. One row per entry and remediation, so two
 * remediations blocking one address each roll back only their own row.
 */
export const blocklist = sqliteTable(
  "blocklist",
  {
    tenantId: tenantRef(),
    /** An address or CIDR in canonical form (`203.0.113.7/32`, `2001:db8::/48`). */
    cidr: text("cidr").notNull(),
    remediationId: text("remediation_id")
      .notNull()
      .references(() => remediations.id, { onDelete: "cascade" }),
    policyName: text("policy_name"),
    reason: text("reason"),
    createdAt: createdAt(),
    expiresAt: integer("expires_at"),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.cidr, t.remediationId] })],
);

/** A user's notification channels and quiet hours, as the incident-response seed shapes them. */
export const notificationPreferences = sqliteTable("notification_preferences", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  tenantId: tenantRef(),
  channels: text("channels", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  quietHours: text("quiet_hours", { mode: "json" }).$type<Record<string, unknown>>(),
  /** Notification lists the user receives (a rule's `actions.notify` names lists or usernames). */
  teams: text("teams", { mode: "json" }).$type<string[]>().notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** A tenant's email and SMS relays: an HTTP base URL and a token (encrypted at rest). */
export const notificationProviders = sqliteTable(
  "notification_providers",
  {
    tenantId: tenantRef(),
    channel: text("channel", { enum: ["email", "sms"] }).notNull(),
    baseUrl: text("base_url").notNull(),
    tokenCiphertext: text("token_ciphertext").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.channel] })],
);

export const NOTIFICATION_STATUSES = ["queued", "sent", "failed", "held_quiet_hours", "skipped"] as const;

/** Every notification Vigil decided to send or hold, and the provider's answer. */
export const notifications = sqliteTable(
  "notifications",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    userId: text("user_id").references(() => users.id, { onDelete: "cascade" }),
    channel: text("channel", { enum: ["email", "slack", "sms"] }).notNull(),
    subject: text("subject").notNull(),
    body: text("body").notNull(),
    severity: text("severity").notNull(),
    status: text("status", { enum: NOTIFICATION_STATUSES }).notNull(),
    reason: text("reason"),
    providerStatus: integer("provider_status"),
    attempts: integer("attempts").notNull().default(0),
    createdAt: createdAt(),
    sentAt: integer("sent_at"),
  },
  (t) => [index("notifications_tenant").on(t.tenantId, t.createdAt)],
);

/** Per tenant and minute: how many API requests, how many failed (5xx), and their summed duration. */
export const apiMetrics = sqliteTable(
  "api_metrics",
  {
    /** The authenticated tenant, or `-` for requests that named none. */
    tenantId: text("tenant_id").notNull(),
    minute: integer("minute").notNull(),
    requests: integer("requests").notNull(),
    clientErrors: integer("client_errors").notNull(),
    serverErrors: integer("server_errors").notNull(),
    totalMs: integer("total_ms").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.minute] })],
);
