import { randomHex } from "../functions/platform/ids";
import { AUTH_TIMEOUT_MS, HEARTBEAT_INTERVAL_MS, HEARTBEAT_TIMEOUT_MS } from "../functions/quantum/consensus/model";
import type { ServerMessage } from "../functions/quantum/consensus/protocol";
import { countInvalidSignature, markOffline } from "./consensus-sessions";
import { agent, changeAgent, meta } from "./consensus-store";

/**
 * The ConsensusCluster's agent sockets. Each is accepted with its agent id as tag and carries its
 * session in the attachment, so both survive hibernation; only an authenticated socket hears rounds.
 */
export interface Session {
  agentId: string;
  nonce: string;
  authed: boolean;
  openedAt: number;
}

export const sessionOf = (ws: WebSocket) => ws.deserializeAttachment() as Session | null;

export function reply(ws: WebSocket, message: ServerMessage): void {
  try {
    ws.send(JSON.stringify(message));
  } catch {
    // A socket closing mid-send is cleaned up by webSocketClose.
  }
}

/**
 * The agent's upgrade (the Worker has checked the tenant's credentials): a socket that must answer
 * its challenge before anything else. BYZANTINE agents are refused (403), deactivated ones too (410).
 */
export function openAgentSocket(ctx: DurableObjectState, request: Request): Response {
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket")
    return new Response("expected a WebSocket upgrade", { status: 426 });
  const agentId = request.headers.get("X-Vigil-Agent") ?? "";
  // An enrolled agent means the cluster id is already known: enrollment records it.
  const a = agent(ctx.storage.sql, agentId);
  if (!a) return new Response("unknown agent", { status: 404 });
  if (a.status === "BYZANTINE") return new Response("the agent is BYZANTINE", { status: 403 });
  if (a.deactivated_at !== null) return new Response("the agent is deactivated", { status: 410 });
  const { cluster_id } = meta(ctx.storage.sql)!;
  const { 0: client, 1: server } = new WebSocketPair();
  ctx.acceptWebSocket(server, [agentId]);
  const session: Session = { agentId, nonce: randomHex(32), authed: false, openedAt: Date.now() };
  server.serializeAttachment(session);
  reply(server, { type: "challenge", nonce: session.nonce, cluster_id, agent_id: agentId });
  return new Response(null, { status: 101, webSocket: client });
}

/**
 * After the challenge's signature was checked: welcomes the socket (closing any older one of the
 * same agent) and returns true, or closes it. Re-reads the agent: the check awaited.
 */
export function admitSocket(ctx: DurableObjectState, ws: WebSocket, session: Session, valid: boolean): boolean {
  const sql = ctx.storage.sql;
  const a = agent(sql, session.agentId);
  if (!a || !valid || a.status === "BYZANTINE" || a.deactivated_at !== null) {
    if (a && !valid) countInvalidSignature(sql, a);
    const reason = !valid
      ? "authentication failed"
      : a?.status === "BYZANTINE"
        ? "the agent is BYZANTINE"
        : "the agent is deactivated";
    ws.close(1008, reason);
    return false;
  }
  ws.serializeAttachment({ ...session, authed: true } satisfies Session);
  // One connection per agent: the newest wins, so a restarted agent never has to wait out its old socket.
  for (const other of agentSockets(ctx, session.agentId)) if (other !== ws) other.close(4000, "replaced by a newer connection");
  changeAgent(sql, a.id, "status = 'ACTIVE', last_heartbeat = ?", Date.now());
  const m = meta(sql)!;
  reply(ws, {
    type: "welcome",
    agent_id: a.id,
    cluster_id: m.cluster_id,
    view: m.view,
    heartbeat_interval_ms: HEARTBEAT_INTERVAL_MS,
  });
  return true;
}

export function agentSockets(ctx: DurableObjectState, agentId: string): WebSocket[] {
  return ctx.getWebSockets(agentId).filter((ws) => sessionOf(ws)?.authed && ws.readyState === WebSocket.OPEN);
}

export function connectedAgents(ctx: DurableObjectState): Set<string> {
  const ids = new Set<string>();
  for (const ws of ctx.getWebSockets()) {
    const s = sessionOf(ws);
    if (s?.authed && ws.readyState === WebSocket.OPEN) ids.add(s.agentId);
  }
  return ids;
}

/** Closes sockets that never answered their challenge and agents silent past the heartbeat timeout. */
export function sweepSockets(ctx: DurableObjectState, now: number): void {
  for (const ws of ctx.getWebSockets()) {
    const s = sessionOf(ws);
    if (s && !s.authed && now - s.openedAt > AUTH_TIMEOUT_MS) ws.close(1008, "authentication timeout");
    const a = s?.authed ? agent(ctx.storage.sql, s.agentId) : null;
    if (a && (a.last_heartbeat ?? 0) <= now - HEARTBEAT_TIMEOUT_MS) {
      markOffline(ctx.storage.sql, a.id);
      ws.close(1001, "heartbeat timeout");
    }
  }
}

/** When each socket next needs the sweep: its challenge deadline, or its agent's heartbeat timeout. */
export function socketsDue(ctx: DurableObjectState): number[] {
  const due: number[] = [];
  for (const ws of ctx.getWebSockets()) {
    const s = sessionOf(ws);
    if (s && !s.authed) due.push(s.openedAt + AUTH_TIMEOUT_MS + 1);
    const beat = s?.authed ? agent(ctx.storage.sql, s.agentId)?.last_heartbeat : null;
    if (beat) due.push(beat + HEARTBEAT_TIMEOUT_MS + 1);
  }
  return due;
}
