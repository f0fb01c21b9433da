import type { AgentStatus } from "../../../schema/consensus";
import type { NewEvent } from "../../platform/events/model";
import type { EquivocationEvidence, QuorumCertificate } from "./model";

/**
 * What the service layer and the ConsensusCluster Durable Object exchange over RPC. Business
 * outcomes come back as values (`ok: false` with a code), never as thrown errors: an error thrown
 * across RPC keeps only its message, and a thrown error here means the object itself failed.
 */

export interface EnrolledAgent {
  id: string;
  name: string;
  publicKey: string;
  /** `agent.registered`, queued in the object's outbox so it is emitted even if this request dies. */
  event: NewEvent;
}

export interface ProposeInput {
  proposal_id: string;
  value: Uint8Array;
  priority: number;
  timeout_ms: number;
  round_timeout_ms: number;
  metadata: Record<string, string>;
}

export type RoundStatus = "open" | "committed" | "failed";

export interface ProposeResult {
  proposal_id: string;
  consensus_achieved: boolean;
  view_number: number;
  sequence_number: number;
  consensus_time_ms: number;
  /** The certificate's signers when committed; otherwise the voters that PREPAREd the value in the last view. */
  agreeing_agents: string[];
  status: RoundStatus;
  digest: string;
  failure_reason: string | null;
  certificate: QuorumCertificate | null;
}

export type ProposeOutcome = { ok: true; result: ProposeResult } | { ok: false; code: "conflict"; message: string };

export interface AgentLiveState {
  agent_id: string;
  name: string;
  status: AgentStatus;
  reputation: number;
  last_heartbeat: string | null;
  connected: boolean;
}

export interface RoundSummary {
  proposal_id: string;
  sequence: number;
  view: number;
  status: RoundStatus;
  digest: string;
  started_at: string;
  finished_at: string | null;
  failure_reason: string | null;
}

export type ClusterHealth = "HEALTHY" | "DEGRADED" | "FAILED";

export interface ClusterStatus {
  status: ClusterHealth;
  total_agents: number;
  byzantine_agents: number;
  byzantine_tolerance: number;
  current_view: number;
  current_sequence: number;
  live_agents: number;
  quorum_size: number;
  open_rounds: number;
  agents?: AgentLiveState[];
  history?: RoundSummary[];
}

export interface StoredEvidence extends EquivocationEvidence {
  evidence_id: number;
}

export type HeartbeatOutcome =
  | { ok: true; status: AgentStatus; last_heartbeat: string }
  | { ok: false; code: "not_found" | "invalid_signature" | "stale_timestamp" | "byzantine" | "deactivated" };

/**
 * A coordinated action: sent to each named agent's socket, answered within `timeout_ms`. Parameters
 * and results cross RPC as JSON text: the object passes them through and never looks inside.
 */
export interface CoordinateInput {
  action_id: string;
  action: string;
  parameters_json: string;
  agent_ids: string[];
  timeout_ms: number;
}

/** Why an agent failed an action: its own answer (ok: false), or the cluster's reason for no answer. */
export type ActionFailureReason =
  "agent_error" | "unknown_agent" | "deactivated" | "byzantine" | "not_connected" | "disconnected" | "timeout";

export type AgentActionAnswer =
  | { agent_id: string; ok: true; result_json: string }
  | { agent_id: string; ok: false; reason: ActionFailureReason; error: string | null };

export interface CoordinateResult {
  action_id: string;
  execution_time_ms: number;
  /** One per distinct target, in the order they were named. */
  answers: AgentActionAnswer[];
}

/** What changed in an agent's registration, with the `agent.updated` event to queue. */
export interface AgentChange {
  name?: string;
  event: NewEvent;
}

/** An agent's rounds over a window, counted from the cluster's round history. */
export interface AgentActivity {
  rounds_assigned: number;
  tasks_completed: number;
}
