import type { ActionResultMessage, ServerMessage } from "../functions/quantum/consensus/protocol";
import type {
  ActionFailureReason,
  AgentActionAnswer,
  CoordinateInput,
  CoordinateResult,
} from "../functions/quantum/consensus/rpc";
import type { AgentRow } from "./consensus-store";

const failure = (agentId: string, reason: ActionFailureReason, error: string | null = null): AgentActionAnswer => ({
  agent_id: agentId,
  ok: false,
  reason,
  error,
});

/** Why an agent cannot take an action at all, or null when it can: it must be enrolled, in good standing and connected. */
export function unreachable(a: AgentRow | null, connected: boolean): ActionFailureReason | null {
  if (!a) return "unknown_agent";
  if (a.deactivated_at !== null) return "deactivated";
  if (a.status === "BYZANTINE") return "byzantine";
  return connected ? null : "not_connected";
}

interface Pending {
  /** Targets that were sent the action and have not answered yet. */
  waiting: Set<string>;
  answers: Map<string, AgentActionAnswer>;
  done: () => void;
}

/**
 * Coordinated actions in flight. They live only in memory: the proposer's RPC call waits on each,
 * and a call in flight keeps the object from hibernating, so nothing here has to survive a restart
 * (an object reset mid-action fails the call; the caller gets an error, never a partial answer
 * dressed up as complete). Answers from agents that were not asked, or that come after the timeout,
 * are ignored.
 */
export class ActionDispatcher {
  private readonly pending = new Map<string, Pending>();

  async dispatch(
    input: CoordinateInput,
    reasonFor: (agentId: string) => ActionFailureReason | null,
    send: (agentId: string, frame: ServerMessage) => void,
  ): Promise<CoordinateResult> {
    const started = Date.now();
    const ids = [...new Set(input.agent_ids)];
    const answers = new Map<string, AgentActionAnswer>();
    const waiting = new Set<string>();
    for (const id of ids) {
      const reason = reasonFor(id);
      if (reason) answers.set(id, failure(id, reason));
      else waiting.add(id);
    }
    if (waiting.size) {
      const frame: ServerMessage = {
        type: "action",
        action_id: input.action_id,
        action: input.action,
        parameters: JSON.parse(input.parameters_json) as unknown,
      };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, input.timeout_ms);
        const done = () => (clearTimeout(timer), resolve());
        this.pending.set(input.action_id, { waiting, answers, done });
        for (const id of [...waiting]) send(id, frame);
      });
      this.pending.delete(input.action_id);
      for (const id of waiting) answers.set(id, failure(id, "timeout"));
    }
    return {
      action_id: input.action_id,
      execution_time_ms: Date.now() - started,
      answers: ids.map((id) => answers.get(id)!),
    };
  }

  /** An agent's `action_result`. */
  answered(agentId: string, m: ActionResultMessage): void {
    const p = this.pending.get(m.action_id);
    if (!p?.waiting.delete(agentId)) return;
    p.answers.set(
      agentId,
      m.ok
        ? { agent_id: agentId, ok: true, result_json: JSON.stringify(m.result ?? null) }
        : failure(agentId, "agent_error", m.error ?? null),
    );
    if (!p.waiting.size) p.done();
  }

  /** A target whose socket closed will not answer: it fails now rather than at the timeout. */
  disconnected(agentId: string): void {
    for (const p of this.pending.values()) {
      if (!p.waiting.delete(agentId)) continue;
      p.answers.set(agentId, failure(agentId, "disconnected"));
      if (!p.waiting.size) p.done();
    }
  }
}
