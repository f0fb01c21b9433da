import { ApiError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import type { ActionFailureReason } from "./rpc";
import { clusterOf, type ConsensusDeps } from "./service";

/**
 * Coordinated actions: the tenant's cluster sends the action over each target agent's socket and
 * gathers the answers within the timeout. Vigil never runs the action itself: what an action means
 * is the agents' business (the reference agent knows `ping` and `report_metrics`).
 */

export const ACTION_TIMEOUT_MS = { default: 5_000, min: 100, max: 30_000 } as const;
export const MAX_ACTION_TARGETS = 100;
/** The parameters travel in one WebSocket frame to every target; the agents' frames are bounded too. */
export const MAX_PARAMETERS_LENGTH = 8_192;

export interface CoordinateActionInput {
  action: string;
  target_agents: string[];
  parameters: unknown;
  timeout_ms?: number | null;
}

export interface ActionOutcome {
  action_id: string;
  success: boolean;
  execution_time_ms: number;
  /** The successful agents' results, keyed by agent id. */
  results: Record<string, unknown>;
  failed_agents: string[];
  failures: { agent_id: string; reason: ActionFailureReason; error: string | null }[];
}

const invalid = (field: string, message: string) => new ApiError("invalid_request", message, { field });

function validate(input: CoordinateActionInput): { targets: string[]; timeout: number } {
  if (!/^[a-z][a-z0-9_.-]{0,63}$/.test(input.action))
    throw invalid("action", "'action' must be 1-64 characters: lowercase letters, digits, '_', '.', '-', starting with a letter");
  const targets = [...new Set(input.target_agents)];
  if (!targets.length || targets.length > MAX_ACTION_TARGETS)
    throw invalid("targetAgents", `'targetAgents' must name 1-${MAX_ACTION_TARGETS} agents`);
  if (targets.some((t) => t.length > 100)) throw invalid("targetAgents", "An agent id is at most 100 characters");
  const timeout = input.timeout_ms ?? ACTION_TIMEOUT_MS.default;
  if (!Number.isInteger(timeout) || timeout < ACTION_TIMEOUT_MS.min || timeout > ACTION_TIMEOUT_MS.max)
    throw invalid("timeout", `'timeout' is in milliseconds, ${ACTION_TIMEOUT_MS.min}-${ACTION_TIMEOUT_MS.max}`);
  if ((JSON.stringify(input.parameters) ?? "").length > MAX_PARAMETERS_LENGTH)
    throw new ApiError("payload_too_large", `'parameters' must serialize to at most ${MAX_PARAMETERS_LENGTH} characters`);
  return { targets, timeout };
}

/** Answers once every target has answered or failed, or when the timeout passes: whichever is first. */
export async function coordinateAction(
  deps: ConsensusDeps,
  tenantId: string,
  input: CoordinateActionInput,
): Promise<ActionOutcome> {
  const { targets, timeout } = validate(input);
  const r = await clusterOf(deps, tenantId).coordinate(tenantId, {
    action_id: newId("act"),
    action: input.action,
    parameters_json: JSON.stringify(input.parameters ?? null),
    agent_ids: targets,
    timeout_ms: timeout,
  });
  const results: Record<string, unknown> = {};
  const failures: ActionOutcome["failures"] = [];
  for (const a of r.answers) {
    if (a.ok) results[a.agent_id] = JSON.parse(a.result_json) as unknown;
    else failures.push({ agent_id: a.agent_id, reason: a.reason, error: a.error });
  }
  return {
    action_id: r.action_id,
    success: failures.length === 0,
    execution_time_ms: r.execution_time_ms,
    results,
    failed_agents: failures.map((f) => f.agent_id),
    failures,
  };
}
