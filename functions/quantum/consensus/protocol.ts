import { z } from "@hono/zod-openapi";
import { VOTE_PHASES, type QuorumCertificate } from "./model";

/**
 * The agent WebSocket protocol: JSON text frames. After the upgrade the object sends `challenge`;
 * the agent answers `auth` (its signature over authMessage); then it receives `welcome`, one
 * `pre_prepare` per round it votes in, `prepared` when 2f+1 PREPAREs are in (the cue to COMMIT),
 * and `committed` / `round_failed` when the round ends. Agents heartbeat every `heartbeat_interval_ms`.
 * Coordinated actions: the object sends `action {action_id, action, parameters}`; the agent answers
 * `action_result {action_id, ok, result?, error?}` (ok: false for an action it does not know).
 */

/** The statuses a connected agent may report for itself; BYZANTINE and OFFLINE are the object's to give. */
export const LIVE_STATUSES = ["ACTIVE", "IDLE", "BUSY"] as const;

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const base64 = z.string().min(1).max(200);

const Auth = z.object({ type: z.literal("auth"), signature: base64 });
const Vote = z.object({
  type: z.enum(VOTE_PHASES),
  view: count,
  sequence: count,
  digest: z.string().regex(/^[0-9a-f]{64}$/),
  signature: base64,
});
const Heartbeat = z.object({
  type: z.literal("heartbeat"),
  /** A live agent may say it is IDLE or BUSY; all three live states vote. */
  status: z.enum(LIVE_STATUSES).optional(),
  metrics: z
    .object({ cpu_usage: z.number().min(0).max(100).optional(), memory_usage: z.number().min(0).max(100).optional() })
    .optional(),
});

/** An agent's answer to an `action` frame; `result` is whatever JSON the action produced. */
const ActionResult = z.object({
  type: z.literal("action_result"),
  action_id: z.string().min(1).max(100),
  ok: z.boolean(),
  result: z.unknown().optional(),
  error: z.string().max(1000).optional(),
});

export const AgentMessage = z.discriminatedUnion("type", [Auth, Vote, Heartbeat, ActionResult]);
export type AgentMessage = z.infer<typeof AgentMessage>;
export type VoteMessage = z.infer<typeof Vote>;
export type HeartbeatReport = Omit<z.infer<typeof Heartbeat>, "type">;
export type ActionResultMessage = z.infer<typeof ActionResult>;

/** In characters. Votes and heartbeats fit in far less; an action result may carry a report. */
export const MAX_AGENT_FRAME_LENGTH = 16_384;

export type ServerMessage =
  | { type: "challenge"; nonce: string; cluster_id: string; agent_id: string }
  | { type: "welcome"; agent_id: string; cluster_id: string; view: number; heartbeat_interval_ms: number }
  | {
      type: "pre_prepare";
      cluster_id: string;
      proposal_id: string;
      view: number;
      sequence: number;
      n: number;
      digest: string;
      value_b64: string;
      priority: number;
      metadata: Record<string, string>;
    }
  | { type: "prepared"; view: number; sequence: number; digest: string }
  | { type: "committed"; sequence: number; certificate: QuorumCertificate }
  | { type: "round_failed"; sequence: number; reason: string }
  | { type: "heartbeat_ack"; server_time: number }
  | { type: "action"; action_id: string; action: string; parameters: unknown }
  | { type: "error"; code: string; message: string; sequence?: number; view?: number };

/** Null for anything that is not one of the agent's messages (answered with an error frame). */
export function parseAgentMessage(data: string | ArrayBuffer): AgentMessage | null {
  if (typeof data !== "string" || data.length > MAX_AGENT_FRAME_LENGTH) return null;
  try {
    const parsed = AgentMessage.safeParse(JSON.parse(data));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
