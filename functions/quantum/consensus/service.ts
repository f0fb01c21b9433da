import type { Database } from "../../platform/db";
import { ApiError, conflict, notFound } from "../../platform/errors";
import type { Logger } from "../../platform/log";
import { defaultRoundTimeout, MAX_VALUE_BYTES, type QuorumCertificate } from "./model";
import type { ClusterStatus, ProposeInput, ProposeResult, StoredEvidence } from "./rpc";
import { fromBase64 } from "./verify";

/**
 * The consensus family's service functions: REST handlers call them, and so will the Connect and
 * GraphQL interfaces. Each takes its dependencies and the caller's tenant; the tenant's
 * ConsensusCluster Durable Object does the work.
 */
export interface ConsensusDeps {
  env: Env;
  db: Database;
  log: Logger;
}

export const clusterOf = (deps: ConsensusDeps, tenantId: string) => deps.env.CONSENSUS_CLUSTER.getByName(tenantId);

export interface ProposeRequestInput {
  proposal_id?: string;
  /** Standard base64 (REST, GraphQL) or the raw bytes (Connect). */
  value: string | Uint8Array;
  priority: number;
  timeout_ms: number;
  round_timeout_ms?: number;
  metadata: Record<string, string>;
}

function decodeValue(value: string | Uint8Array): Uint8Array {
  const bytes = typeof value === "string" ? fromBase64(value) : value;
  if (!bytes || bytes.length === 0)
    throw new ApiError("invalid_request", "Invalid body 'value': must be non-empty standard base64", { field: "value" });
  if (bytes.length > MAX_VALUE_BYTES)
    throw new ApiError("payload_too_large", `'value' decodes to more than ${MAX_VALUE_BYTES} bytes`, {
      max_bytes: MAX_VALUE_BYTES,
    });
  return bytes;
}

/**
 * ProposeValue: waits until the round commits or fails (at most `timeout_ms`). If the object is
 * reset while the round runs (eviction, deploy), the round survives in its storage: asking again
 * with the same proposal_id attaches to it, so the caller still gets the round's real outcome.
 */
export async function proposeValue(deps: ConsensusDeps, tenantId: string, input: ProposeRequestInput): Promise<ProposeResult> {
  const request: ProposeInput = {
    proposal_id: input.proposal_id ?? crypto.randomUUID(),
    value: decodeValue(input.value),
    priority: input.priority,
    timeout_ms: input.timeout_ms,
    round_timeout_ms: input.round_timeout_ms ?? defaultRoundTimeout(input.timeout_ms),
    metadata: input.metadata,
  };
  let outcome;
  try {
    outcome = await clusterOf(deps, tenantId).propose(tenantId, request);
  } catch (err) {
    deps.log.warn("consensus cluster failed mid-proposal; asking again for the same round", {
      proposal_id: request.proposal_id,
      error: String(err),
    });
    outcome = await clusterOf(deps, tenantId).propose(tenantId, request);
  }
  if (!outcome.ok) throw conflict(outcome.message, { proposal_id: request.proposal_id });
  return outcome.result;
}

export function consensusStatus(
  deps: ConsensusDeps,
  tenantId: string,
  options: { include_agents: boolean; include_history: boolean },
): Promise<ClusterStatus> {
  return clusterOf(deps, tenantId).status({ includeAgents: options.include_agents, includeHistory: options.include_history });
}

/** The round's quorum certificate; 404 while the round is open, when it failed, or when there is no such round. */
export async function getCertificate(deps: ConsensusDeps, tenantId: string, sequence: number): Promise<QuorumCertificate> {
  const found = await clusterOf(deps, tenantId).certificate(sequence);
  if (!found) throw notFound("Round", { sequence });
  if (!found.certificate)
    throw notFound(`Certificate (the round is ${found.status === "open" ? "still open" : "failed"})`, {
      sequence,
      round_status: found.status,
    });
  return found.certificate;
}

export async function listEvidence(
  deps: ConsensusDeps,
  tenantId: string,
  filter: { agent_id?: string; limit: number },
): Promise<{ evidence: StoredEvidence[] }> {
  return { evidence: await clusterOf(deps, tenantId).evidence(filter.agent_id ?? null, filter.limit) };
}
