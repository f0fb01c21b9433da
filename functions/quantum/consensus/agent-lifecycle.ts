import { and, eq } from "drizzle-orm";
import { consensusAgents } from "../../../schema";
import { isUniqueViolation } from "../../platform/db";
import { ApiError, conflict, notFound } from "../../platform/errors";
import { isoTime } from "../../platform/time";
import { agentMetrics, agentView, findAgent } from "./agents";
import { deactivatedEvent, updatedEvent } from "./events";
import { clusterOf, type ConsensusDeps } from "./service";

/**
 * Changes to a registered agent after registration. Its key never changes (a new key is a new
 * agent: votes and certificates name the key's holder), nor does its status except through
 * deactivation, which is for good: the agent stays on record, OFFLINE, no voter, and may not
 * reconnect (its name and key stay taken, so neither can be reused to impersonate it).
 */

export interface AgentUpdate {
  name?: string;
  endpoint?: string;
  capabilities?: string[];
  metadata?: Record<string, unknown>;
}

/** D1 first (it enforces unique names), then the cluster's copy of the name and the `agent.updated` event. */
export async function updateAgent(deps: ConsensusDeps, tenantId: string, agentId: string, update: AgentUpdate) {
  const before = await findAgent(deps, tenantId, agentId);
  if (before.deactivatedAt !== null) throw new ApiError("gone", "The agent is deactivated", { agent_id: agentId });
  const set = {
    name: update.name,
    endpoint: update.endpoint,
    capabilities: update.capabilities && [...new Set(update.capabilities)],
    metadata: update.metadata,
  };
  const changed = Object.entries(set)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k);
  if (!changed.length) throw new ApiError("invalid_request", "Name at least one field to change");
  const where = and(eq(consensusAgents.id, agentId), eq(consensusAgents.tenantId, tenantId));
  let row;
  try {
    [row] = await deps.db
      .update(consensusAgents)
      .set({ ...set, updatedAt: Date.now() })
      .where(where)
      .returning();
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict("An agent with this name is already registered", { field: "name" });
    throw err;
  }
  if (!row) throw notFound("Agent", { agent_id: agentId });
  const event = updatedEvent(tenantId, agentId, changed);
  await clusterOf(deps, tenantId).updateAgent(agentId, { name: update.name, event });
  return agentView(row);
}

/**
 * Deactivates the agent in its cluster, which closes its socket, stops counting it as a voter and
 * mirrors OFFLINE and `deactivated_at` to D1. Idempotent: deactivating again changes nothing.
 */
export async function deactivateAgent(deps: ConsensusDeps, tenantId: string, agentId: string): Promise<void> {
  const a = await findAgent(deps, tenantId, agentId);
  if (!(await clusterOf(deps, tenantId).deactivateAgent(a.id, deactivatedEvent(tenantId, a))))
    throw notFound("Agent", { agent_id: agentId });
}

/** The windows metrics can be asked over; ALL_TIME is the agent's lifetime counters. */
export const TIME_RANGES = { LAST_HOUR: 3_600_000, LAST_DAY: 86_400_000, LAST_WEEK: 604_800_000, ALL_TIME: null } as const;
export type TimeRange = keyof typeof TIME_RANGES;

/**
 * Metrics over a window: rounds and certified commits counted from the cluster's round history;
 * CPU, memory and reputation are the latest values (gauges, not sums); the response-time mean is
 * over the agent's lifetime (per-round response times are not kept once a round ends).
 */
export async function agentMetricsOver(deps: ConsensusDeps, tenantId: string, agentId: string, range: TimeRange) {
  const a = await findAgent(deps, tenantId, agentId);
  const lifetime = agentMetrics(a);
  const span = TIME_RANGES[range];
  if (span === null) return { ...lifetime, time_range: range };
  const since = Math.max(a.createdAt, Date.now() - span);
  const activity = await clusterOf(deps, tenantId).activity(a.id, since);
  return {
    ...lifetime,
    ...activity,
    success_rate: activity.rounds_assigned ? activity.tasks_completed / activity.rounds_assigned : null,
    measured_since: isoTime(since),
    time_range: range,
  };
}
