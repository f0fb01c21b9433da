import {
  clampReputation,
  clusterHealth,
  faultTolerance,
  HEARTBEAT_SKEW_MS,
  HEARTBEAT_TIMEOUT_MS,
  heartbeatMessage,
  quorumSize,
  REPUTATION,
} from "../functions/quantum/consensus/model";
import type { HeartbeatReport } from "../functions/quantum/consensus/protocol";
import type { AgentLiveState, ClusterStatus, HeartbeatOutcome, RoundSummary } from "../functions/quantum/consensus/rpc";
import { verifySignature } from "../functions/quantum/consensus/verify";
import {
  agent,
  agents,
  changeAgent,
  meta,
  openRounds,
  recentRounds,
  statusOf,
  type AgentRow,
  type Round,
} from "./consensus-store";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Live means connected (an authenticated socket), heard from within the heartbeat timeout, not
 * BYZANTINE and not deactivated. ACTIVE, IDLE and BUSY agents are all live: they differ only in
 * what they report.
 */
export function isLive(a: AgentRow, connected: ReadonlySet<string>, now: number): boolean {
  return (
    connected.has(a.id) &&
    a.deactivated_at === null &&
    a.status !== "BYZANTINE" &&
    a.status !== "OFFLINE" &&
    (a.last_heartbeat ?? 0) > now - HEARTBEAT_TIMEOUT_MS
  );
}

export const liveVoters = (sql: SqlStorage, connected: ReadonlySet<string>, now: number): string[] =>
  agents(sql)
    .filter((a) => isLive(a, connected, now))
    .map((a) => a.id);

/** A heartbeat (over the socket, or signed over REST) refreshes liveness and the reported metrics. */
export function applyHeartbeat(sql: SqlStorage, a: AgentRow, now: number, report: HeartbeatReport, connected: boolean): void {
  // Only a connected agent can vote, so only a connected one is live; BYZANTINE is never lifted.
  const status =
    a.status === "BYZANTINE" ? "BYZANTINE" : connected && a.deactivated_at === null ? (report.status ?? "ACTIVE") : "OFFLINE";
  changeAgent(
    sql,
    a.id,
    "status = ?, last_heartbeat = ?, cpu_usage = coalesce(?, cpu_usage), memory_usage = coalesce(?, memory_usage)",
    status,
    now,
    report.metrics?.cpu_usage ?? null,
    report.metrics?.memory_usage ?? null,
  );
}

/**
 * A heartbeat over REST: signed over a timestamp near the object's clock and later than the last
 * one accepted, so a captured request cannot be replayed to keep a dead agent looking alive.
 */
export async function signedHeartbeat(
  sql: SqlStorage,
  key: CryptoKey | null,
  agentId: string,
  hb: HeartbeatReport & { timestamp: number; signature: string },
  connected: boolean,
  now: number,
): Promise<HeartbeatOutcome> {
  const clusterId = meta(sql)?.cluster_id;
  const before = agent(sql, agentId);
  if (!before || !clusterId) return { ok: false, code: "not_found" };
  if (before.status === "BYZANTINE") return { ok: false, code: "byzantine" };
  if (before.deactivated_at !== null) return { ok: false, code: "deactivated" };
  if (Math.abs(hb.timestamp - now) > HEARTBEAT_SKEW_MS || hb.timestamp <= before.last_signed_heartbeat)
    return { ok: false, code: "stale_timestamp" };
  const valid = await verifySignature(key, hb.signature, heartbeatMessage(clusterId, agentId, hb.timestamp));
  // Re-read after the await: a concurrent heartbeat may have taken this timestamp meanwhile.
  const a = agent(sql, agentId)!;
  if (!valid) {
    countInvalidSignature(sql, a);
    return { ok: false, code: "invalid_signature" };
  }
  if (hb.timestamp <= a.last_signed_heartbeat) return { ok: false, code: "stale_timestamp" };
  sql.exec("UPDATE agents SET last_signed_heartbeat = ? WHERE id = ?", hb.timestamp, agentId);
  applyHeartbeat(sql, a, now, hb, connected);
  const after = agent(sql, agentId)!;
  return { ok: true, status: after.status, last_heartbeat: new Date(after.last_heartbeat ?? now).toISOString() };
}

export function countInvalidSignature(sql: SqlStorage, a: AgentRow): void {
  const reputation = a.status === "BYZANTINE" ? a.reputation : clampReputation(a.reputation + REPUTATION.invalidSignature);
  changeAgent(sql, a.id, "invalid_signatures = invalid_signatures + 1, reputation = ?", reputation);
}

export function markOffline(sql: SqlStorage, agentId: string): void {
  changeAgent(sql, agentId, "status = CASE WHEN status = 'BYZANTINE' THEN status ELSE 'OFFLINE' END");
}

/** OFFLINE for good (a BYZANTINE agent stays BYZANTINE); false when it was already deactivated. */
export function deactivate(sql: SqlStorage, agentId: string, now: number): boolean {
  const a = agent(sql, agentId);
  if (!a || a.deactivated_at !== null) return false;
  changeAgent(sql, agentId, "deactivated_at = ?, status = CASE WHEN status = 'BYZANTINE' THEN status ELSE 'OFFLINE' END", now);
  return true;
}

const summary = (r: Round): RoundSummary => ({
  proposal_id: r.proposal_id,
  sequence: r.sequence,
  view: r.view,
  status: statusOf(r.phase),
  digest: r.digest,
  started_at: iso(r.started_at)!,
  finished_at: iso(r.finished_at),
  failure_reason: r.failure_reason,
});

/** GetConsensusStatus, computed from the object's own state at the moment of the call. */
export function clusterStatus(
  sql: SqlStorage,
  connected: ReadonlySet<string>,
  now: number,
  options: { includeAgents: boolean; includeHistory: boolean },
): ClusterStatus {
  // A deactivated agent has left the cluster: it counts towards neither n nor health.
  const all = agents(sql).filter((a) => a.deactivated_at === null);
  const live = all.filter((a) => isLive(a, connected, now)).length;
  const m = meta(sql);
  const status: ClusterStatus = {
    status: clusterHealth(all.length, live),
    total_agents: all.length,
    byzantine_agents: all.filter((a) => a.status === "BYZANTINE").length,
    byzantine_tolerance: faultTolerance(all.length),
    current_view: m?.view ?? 0,
    current_sequence: m?.sequence ?? 0,
    live_agents: live,
    quorum_size: quorumSize(all.length),
    open_rounds: openRounds(sql).length,
  };
  if (options.includeAgents)
    status.agents = all.map((a): AgentLiveState => ({
      agent_id: a.id,
      name: a.name,
      status: a.status,
      reputation: a.reputation,
      last_heartbeat: iso(a.last_heartbeat),
      connected: connected.has(a.id),
    }));
  if (options.includeHistory) status.history = recentRounds(sql, 20).map(summary);
  return status;
}
