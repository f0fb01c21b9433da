import type { NewEvent } from "../../platform/events/model";
import type { EquivocationEvidence, QuorumCertificate } from "./model";

/**
 * The pipeline events of the consensus family. The object queues them in its outbox in the same
 * step as the change they report and emits them afterwards under a deterministic id, so a retry
 * after a failed emission never duplicates one.
 */

const SYSTEM = "consensus-cluster";

interface RoundFacts {
  proposal_id: string;
  sequence: number;
  view: number;
  digest: string;
  voters: string[];
  started_at: number;
  finished_at: number;
}

/** What every round event says about its round. */
const roundDetails = (r: RoundFacts) => ({
  proposal_id: r.proposal_id,
  sequence: r.sequence,
  view: r.view,
  digest: r.digest,
  n: r.voters.length,
});

export function achievedEvent(tenantId: string, r: RoundFacts, cert: QuorumCertificate): NewEvent {
  const signers = cert.signatures.map((s) => s.agent_id);
  return {
    tenantId,
    source: "quantum",
    type: "consensus.achieved",
    severity: "low",
    system: SYSTEM,
    description: `Consensus on proposal ${r.proposal_id} at sequence ${r.sequence} (view ${r.view}): ${signers.length} of ${r.voters.length} agents committed`,
    details: {
      ...roundDetails(r),
      quorum: cert.quorum,
      agreeing_agents: signers,
      consensus_time_ms: r.finished_at - r.started_at,
    },
  };
}

export function failedEvent(tenantId: string, r: RoundFacts, reason: string, agreeing: string[]): NewEvent {
  return {
    tenantId,
    source: "quantum",
    type: "consensus.failed",
    severity: "high",
    system: SYSTEM,
    description:
      reason === "no_live_agents"
        ? `Consensus on proposal ${r.proposal_id} failed: no live agent was connected`
        : `Consensus on proposal ${r.proposal_id} at sequence ${r.sequence} failed (${reason}) in view ${r.view}: ${agreeing.length} of ${r.voters.length} agents prepared`,
    details: {
      ...roundDetails(r),
      reason,
      agreeing_agents: agreeing,
      elapsed_ms: r.finished_at - r.started_at,
    },
  };
}

export function byzantineEvent(tenantId: string, evidenceId: number, e: EquivocationEvidence): NewEvent {
  return {
    tenantId,
    source: "quantum",
    type: "agent.byzantine.detected",
    severity: "critical",
    system: SYSTEM,
    description: `Agent ${e.agent_id} signed conflicting votes at view ${e.view}, sequence ${e.sequence}; it is BYZANTINE and its votes no longer count`,
    details: {
      agent_id: e.agent_id,
      evidence_id: evidenceId,
      view: e.view,
      sequence: e.sequence,
      digests: e.votes.map((v) => v.digest),
      phases: e.votes.map((v) => v.phase),
    },
  };
}

export function registeredEvent(
  tenantId: string,
  agent: { id: string; name: string; endpoint: string; capabilities: string[] },
): NewEvent {
  return {
    tenantId,
    source: "quantum",
    type: "agent.registered",
    severity: "low",
    system: SYSTEM,
    description: `Agent ${agent.name} (${agent.id}) joined the consensus cluster`,
    details: { agent_id: agent.id, name: agent.name, endpoint: agent.endpoint, capabilities: agent.capabilities },
  };
}

export function deactivatedEvent(tenantId: string, agent: { id: string; name: string }): NewEvent {
  return {
    tenantId,
    source: "quantum",
    type: "agent.deactivated",
    severity: "medium",
    system: SYSTEM,
    description: `Agent ${agent.name} (${agent.id}) was deactivated; it no longer votes or takes actions`,
    details: { agent_id: agent.id, name: agent.name },
  };
}

export function updatedEvent(tenantId: string, agentId: string, changed: string[]): NewEvent {
  return {
    tenantId,
    source: "quantum",
    type: "agent.updated",
    severity: "low",
    system: SYSTEM,
    description: `Agent ${agentId} changed its ${changed.join(", ")}`,
    details: { agent_id: agentId, changed },
  };
}

/** After a coordinated action: who was asked, who answered, who failed and why (never the results themselves). */
export function coordinationEvent(
  tenantId: string,
  input: { action_id: string; action: string },
  r: { execution_time_ms: number; answers: { agent_id: string; ok: boolean; reason?: string }[] },
): NewEvent {
  const failed = r.answers.filter((a) => !a.ok);
  return {
    tenantId,
    source: "quantum",
    type: "coordination.action.completed",
    severity: failed.length ? "medium" : "low",
    system: SYSTEM,
    description: `Action ${input.action} (${input.action_id}): ${r.answers.length - failed.length} of ${r.answers.length} agents succeeded in ${Math.round(r.execution_time_ms)} ms`,
    details: {
      action_id: input.action_id,
      action: input.action,
      agent_ids: r.answers.map((a) => a.agent_id),
      failed_agents: failed.map((a) => ({ agent_id: a.agent_id, reason: a.reason })),
      execution_time_ms: r.execution_time_ms,
    },
  };
}
