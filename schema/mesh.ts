import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt } from "./columns";
import { SYSTEM_TYPES } from "./events";
import { tenantRef } from "./tenants";

export const NODE_STATES = ["NOMINAL", "WARNING", "CRITICAL", "ISOLATED"] as const;
export type NodeState = (typeof NODE_STATES)[number];

/** A tenant's mesh node; ids are the tenant's own labels (e.g. "grid-north-01"), unique per tenant. */
export const meshNodes = sqliteTable(
  "mesh_nodes",
  {
    tenantId: tenantRef(),
    id: text("id").notNull(),
    label: text("label").notNull(),
    systemType: text("system_type", { enum: SYSTEM_TYPES }).notNull(),
    region: text("region").notNull(),
    state: text("state", { enum: NODE_STATES }).notNull().default("NOMINAL"),
    /** Commands against a protected node need a second approver. */
    protected: integer("protected", { mode: "boolean" }).notNull().default(false),
    isolatedAt: integer("isolated_at"),
    /** The last event that moved this node's state, so a redelivered event does not move it again. */
    lastEventId: text("last_event_id"),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    // Events and correlations name a node by id or by label; both lookups stay indexed.
    index("mesh_nodes_label").on(t.tenantId, t.label),
  ],
);

/** Undirected weighted links, stored once with source_id < target_id; severed links stay for the record. */
export const meshLinks = sqliteTable(
  "mesh_links",
  {
    tenantId: tenantRef(),
    sourceId: text("source_id").notNull(),
    targetId: text("target_id").notNull(),
    weight: real("weight").notNull(),
    severedAt: integer("severed_at"),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.sourceId, t.targetId] }),
    // The primary key finds a node's links by source; isolation and restore also look them up by target.
    index("mesh_links_target").on(t.tenantId, t.targetId),
  ],
);

/** The route most recently set between two nodes by a reroute command. */
export const meshRoutes = sqliteTable(
  "mesh_routes",
  {
    tenantId: tenantRef(),
    sourceId: text("source_id").notNull(),
    targetId: text("target_id").notNull(),
    path: text("path", { mode: "json" }).$type<string[]>().notNull(),
    cost: real("cost").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.sourceId, t.targetId] })],
);

/**
 * The mesh signing key history: a hybrid of Ed25519 and ML-DSA-65 (FIPS 204). Public keys are
 * published; private keys are stored AES-GCM-encrypted under a key derived from AUTH_SECRET.
 * The current key has no retired_at; a retired key still verifies until grace_until.
 */
export const meshKeys = sqliteTable(
  "mesh_keys",
  {
    tenantId: tenantRef(),
    id: text("id").notNull(),
    fingerprint: text("fingerprint").notNull(),
    ed25519Public: text("ed25519_public").notNull(),
    mldsa65Public: text("mldsa65_public").notNull(),
    privateCiphertext: text("private_ciphertext").notNull(),
    createdAt: integer("created_at").notNull(),
    retiredAt: integer("retired_at"),
    graceUntil: integer("grace_until"),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] })],
);

export const APPROVAL_ACTIONS = ["isolate-node", "restore-node"] as const;
export type ApprovalAction = (typeof APPROVAL_ACTIONS)[number];
export const APPROVAL_STATUSES = ["pending", "executed", "rejected", "expired", "failed"] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/**
 * Two-person control: a command against a protected node, and every return of an isolated node
 * to service, waits here until a second user approves it. At most one request per action and
 * node is pending at a time (the partial unique index), so a double click cannot queue two.
 */
export const commandApprovals = sqliteTable(
  "command_approvals",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    action: text("action", { enum: APPROVAL_ACTIONS }).notNull(),
    nodeId: text("node_id").notNull(),
    reason: text("reason"),
    status: text("status", { enum: APPROVAL_STATUSES }).notNull().default("pending"),
    /** Actor strings (`kind:id`) as the command audit log records them. */
    requestedBy: text("requested_by").notNull(),
    decidedBy: text("decided_by"),
    decidedAt: integer("decided_at"),
    /** The executed command's response, or the error that stopped it. */
    outcome: text("outcome", { mode: "json" }).$type<Record<string, unknown>>(),
    expiresAt: integer("expires_at").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index("command_approvals_tenant_created").on(t.tenantId, t.createdAt),
    uniqueIndex("command_approvals_one_pending")
      .on(t.tenantId, t.action, t.nodeId)
      .where(sql`status = 'pending'`),
  ],
);
