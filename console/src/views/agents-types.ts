/**
 * The consensus family's response shapes (functions/quantum/consensus/schemas.ts and
 * agent-schemas.ts), as far as the console reads them.
 */
export type AgentStatus = "ACTIVE" | "IDLE" | "BUSY" | "OFFLINE" | "BYZANTINE";
export const AGENT_STATUSES: AgentStatus[] = ["ACTIVE", "IDLE", "BUSY", "OFFLINE", "BYZANTINE"];

export interface AgentMetrics {
  agent_id: string;
  cpu_usage: number | null;
  memory_usage: number | null;
  tasks_completed: number;
  rounds_assigned: number;
  success_rate: number | null;
  average_response_time_ms: number | null;
  invalid_signatures: number;
  reputation: number;
  measured_since: string;
}

export interface Agent {
  agent_id: string;
  name: string;
  public_key: string;
  endpoint: string;
  capabilities: string[];
  metadata: Record<string, unknown>;
  status: AgentStatus;
  reputation: number;
  last_heartbeat: string | null;
  created_at: string;
  deactivated_at: string | null;
  metrics: AgentMetrics;
}

export interface AgentList {
  agents: Agent[];
  total_count: number;
  limit: number;
  offset: number;
}

export interface RoundSummary {
  proposal_id: string;
  sequence: number;
  view: number;
  status: "committed" | "failed" | "open";
  digest: string;
  started_at: string;
  finished_at: string | null;
  failure_reason: string | null;
}

export interface ClusterStatus {
  status: "HEALTHY" | "DEGRADED" | "FAILED";
  total_agents: number;
  byzantine_agents: number;
  byzantine_tolerance: number;
  current_view: number;
  current_sequence: number;
  live_agents: number;
  quorum_size: number;
  open_rounds: number;
  history?: RoundSummary[];
}

export interface Certificate {
  protocol: string;
  cluster_id: string;
  proposal_id: string;
  view: number;
  sequence: number;
  digest: string;
  n: number;
  f: number;
  quorum: number;
  voters: string[];
  signatures: { agent_id: string; signature: string }[];
  committed_at: string;
}

export interface Evidence {
  evidence_id: number;
  protocol: string;
  cluster_id: string;
  agent_id: string;
  view: number;
  sequence: number;
  n: number;
  votes: { phase: "prepare" | "commit"; digest: string; signature: string }[];
  detected_at: string;
}

/** Polling interval for every consensus panel: heartbeats arrive every 10 s, so faster shows nothing new. */
export const CONSENSUS_REFRESH_MS = 10_000;

/** Agent and cluster states to the shared badge tones (styles.css); the text always says the state too. */
export const agentTone = (s: AgentStatus): string =>
  ({ ACTIVE: "active", IDLE: "idle", BUSY: "busy", OFFLINE: "offline", BYZANTINE: "byzantine" })[s] ?? "neutral";
export const healthTone = (s: ClusterStatus["status"]): string =>
  ({ HEALTHY: "healthy", DEGRADED: "degraded", FAILED: "failed" })[s] ?? "neutral";

/** Agent ids are long; a name from the agent list reads better, with the id kept for the title. */
export type AgentNames = Map<string, string>;
export const nameOf = (names: AgentNames, id: string): string => names.get(id) ?? id;

export const percent = (x: number | null): string => (x === null ? "—" : `${Math.round(x * 1000) / 10} %`);
