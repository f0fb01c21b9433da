import { and, asc, count, eq, sql, type SQL } from "drizzle-orm";
import { consensusAgents, type AgentStatus } from "../../../schema";
import { isUniqueViolation } from "../../platform/db";
import { ApiError, conflict, notFound } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { isoTime } from "../../platform/time";
import { registeredEvent } from "./events";
import type { HeartbeatReport } from "./protocol";
import { clusterOf, type ConsensusDeps } from "./service";
import { importPublicKey } from "./verify";

/**
 * The agent registry. D1 holds each agent's registration and a mirror of its live fields, which
 * the tenant's ConsensusCluster writes after every change; reads come from D1 so they filter and
 * page in SQL. The object holds the same keys and is the authority on status, votes and reputation.
 */

type AgentRow = typeof consensusAgents.$inferSelect;

export interface RegisterAgentInput {
  name: string;
  /** Standard base64 of the raw 32-byte Ed25519 key. */
  public_key: string;
  endpoint: string;
  capabilities: string[];
  metadata: Record<string, unknown>;
}

export function agentMetrics(a: AgentRow) {
  return {
    agent_id: a.id,
    cpu_usage: a.cpuUsage,
    memory_usage: a.memoryUsage,
    tasks_completed: a.tasksCompleted,
    rounds_assigned: a.roundsAssigned,
    success_rate: a.roundsAssigned ? a.tasksCompleted / a.roundsAssigned : null,
    average_response_time_ms: a.meanResponseMs,
    invalid_signatures: a.invalidSignatures,
    reputation: a.reputation,
    measured_since: isoTime(a.createdAt),
  };
}

export function agentView(a: AgentRow) {
  return {
    agent_id: a.id,
    name: a.name,
    public_key: a.publicKey,
    endpoint: a.endpoint,
    capabilities: a.capabilities,
    metadata: a.metadata,
    status: a.status,
    reputation: a.reputation,
    last_heartbeat: isoTime(a.lastHeartbeat),
    registered: true as const,
    created_at: isoTime(a.createdAt),
    deactivated_at: a.deactivatedAt === null ? null : isoTime(a.deactivatedAt),
    metrics: agentMetrics(a),
  };
}

/** Whether the UNIQUE failure (possibly wrapped by drizzle) names this column. */
function violates(err: unknown, column: string): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++)
    if (e.message.includes(`UNIQUE constraint failed`) && e.message.includes(column)) return true;
  return false;
}

/** Registers in D1 (names and keys are unique per tenant), then enrolls the key with the cluster. */
export async function registerAgent(deps: ConsensusDeps, tenantId: string, input: RegisterAgentInput) {
  if (!(await importPublicKey(input.public_key)))
    throw new ApiError("invalid_request", "Invalid body 'public_key': must be a raw 32-byte Ed25519 key in standard base64", {
      field: "public_key",
    });
  const capabilities = [...new Set(input.capabilities)];
  const values = {
    id: newId("agt"),
    tenantId,
    name: input.name,
    publicKey: input.public_key,
    endpoint: input.endpoint,
    capabilities,
    metadata: input.metadata,
  };
  let row: AgentRow;
  try {
    [row] = (await deps.db.insert(consensusAgents).values(values).returning()) as [AgentRow];
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const field = violates(err, "consensus_agents.public_key") ? "public_key" : "name";
    throw conflict(`An agent with this ${field === "name" ? "name" : "public key"} is already registered`, { field });
  }
  try {
    const event = registeredEvent(tenantId, { id: row.id, name: row.name, endpoint: row.endpoint, capabilities });
    await clusterOf(deps, tenantId).enrollAgent(tenantId, { id: row.id, name: row.name, publicKey: row.publicKey, event });
  } catch (err) {
    await deps.db.delete(consensusAgents).where(eq(consensusAgents.id, row.id));
    throw err;
  }
  return agentView(row);
}

export async function listAgents(
  deps: ConsensusDeps,
  tenantId: string,
  q: { status?: AgentStatus; capability?: string; limit: number; offset: number },
) {
  const where: SQL[] = [eq(consensusAgents.tenantId, tenantId)];
  if (q.status) where.push(eq(consensusAgents.status, q.status));
  if (q.capability)
    where.push(sql`exists (select 1 from json_each(${consensusAgents.capabilities}) where value = ${q.capability})`);
  const [rows, [total]] = await Promise.all([
    deps.db
      .select()
      .from(consensusAgents)
      .where(and(...where))
      .orderBy(asc(consensusAgents.createdAt), asc(consensusAgents.id))
      .limit(q.limit)
      .offset(q.offset),
    deps.db
      .select({ n: count() })
      .from(consensusAgents)
      .where(and(...where)),
  ]);
  return { agents: rows.map(agentView), total_count: total?.n ?? 0, limit: q.limit, offset: q.offset };
}

export async function findAgent(deps: ConsensusDeps, tenantId: string, agentId: string): Promise<AgentRow> {
  const row = await deps.db.query.consensusAgents.findFirst({
    where: (a, { and, eq }) => and(eq(a.id, agentId), eq(a.tenantId, tenantId)),
  });
  if (!row) throw notFound("Agent", { agent_id: agentId });
  return row;
}

/** A heartbeat over REST, for agents that report metrics without (or besides) their socket. */
export async function agentHeartbeat(
  deps: ConsensusDeps,
  tenantId: string,
  agentId: string,
  body: HeartbeatReport & { timestamp: number; signature: string },
) {
  const outcome = await clusterOf(deps, tenantId).signedHeartbeat(agentId, body);
  if (outcome.ok) return { agent_id: agentId, status: outcome.status, last_heartbeat: outcome.last_heartbeat };
  switch (outcome.code) {
    case "not_found":
      throw notFound("Agent", { agent_id: agentId });
    case "stale_timestamp":
      throw new ApiError("invalid_request", "The timestamp is too far from now or not later than the last heartbeat's", {
        field: "timestamp",
      });
    case "invalid_signature":
      throw new ApiError("forbidden", "The heartbeat's signature does not verify with the agent's key", { agent_id: agentId });
    case "byzantine":
      throw new ApiError("forbidden", "The agent is BYZANTINE", { agent_id: agentId });
    case "deactivated":
      throw new ApiError("gone", "The agent is deactivated", { agent_id: agentId });
  }
}

/**
 * Hands the agent's WebSocket to the cluster. The caller's credentials admit the tenant; the
 * object then challenges the agent to sign a nonce with its registered key before it may vote.
 */
export async function connectAgent(deps: ConsensusDeps, tenantId: string, agentId: string, request: Request): Promise<Response> {
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket")
    throw new ApiError("invalid_request", "Connect with a WebSocket upgrade (Upgrade: websocket)");
  const upgrade = new Request(request.url, {
    headers: { Upgrade: "websocket", "X-Vigil-Agent": agentId },
  });
  const res = await clusterOf(deps, tenantId).fetch(upgrade);
  if (res.status === 404) throw notFound("Agent", { agent_id: agentId });
  if (res.status === 403) throw new ApiError("forbidden", "The agent is BYZANTINE and may not rejoin", { agent_id: agentId });
  if (res.status === 410) throw new ApiError("gone", "The agent is deactivated and may not rejoin", { agent_id: agentId });
  if (res.status !== 101 || !res.webSocket) throw new Error(`consensus cluster refused the upgrade: ${res.status}`);
  // A fresh Response: the object's has immutable headers, and the platform middleware adds its own.
  return new Response(null, { status: 101, webSocket: res.webSocket });
}
