import { index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt } from "./columns";
import { tenantRef } from "./tenants";

export const AGENT_STATUSES = ["ACTIVE", "IDLE", "BUSY", "OFFLINE", "BYZANTINE"] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/**
 * The tenant's consensus agents: the registry (identity, Ed25519 key, endpoint, capabilities) and a
 * mirror of the live fields (status, reputation, heartbeat, metrics). The tenant's ConsensusCluster
 * Durable Object is the source of truth for the live fields and writes them here after each change
 * (an outbox keyed by a per-agent revision, so a failed write is retried, never lost). Listing and
 * filtering read this table; consensus itself never does.
 */
export const consensusAgents = sqliteTable(
  "consensus_agents",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    name: text("name").notNull(),
    /** Standard base64 of the raw 32-byte Ed25519 public key. */
    publicKey: text("public_key").notNull(),
    endpoint: text("endpoint").notNull(),
    capabilities: text("capabilities", { mode: "json" }).$type<string[]>().notNull(),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    status: text("status", { enum: AGENT_STATUSES }).notNull().default("OFFLINE"),
    reputation: real("reputation").notNull().default(1),
    lastHeartbeat: integer("last_heartbeat"),
    /** Rounds the agent was a voter in that have finished (committed or failed). */
    roundsAssigned: integer("rounds_assigned").notNull().default(0),
    /** Finished rounds whose certificate carries the agent's COMMIT. */
    tasksCompleted: integer("tasks_completed").notNull().default(0),
    /** Mean milliseconds from a pre-prepare to the agent's PREPARE, over the rounds it answered. */
    meanResponseMs: real("mean_response_ms"),
    /** As the agent reports them in heartbeats; null until it does. */
    cpuUsage: real("cpu_usage"),
    memoryUsage: real("memory_usage"),
    invalidSignatures: integer("invalid_signatures").notNull().default(0),
    /**
     * Set once by deactivateAgent, never cleared: the agent keeps its row (its name and key stay
     * taken, its history readable) but is OFFLINE for good, may not reconnect and is no voter.
     */
    deactivatedAt: integer("deactivated_at"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at"),
  },
  (t) => [
    uniqueIndex("consensus_agents_name").on(t.tenantId, t.name),
    // One key, one agent: a key shared by two agents would let one holder cast two votes.
    uniqueIndex("consensus_agents_key").on(t.tenantId, t.publicKey),
    index("consensus_agents_status").on(t.tenantId, t.status),
  ],
);
