import { AUTH_TIMEOUT_MS, HEARTBEAT_TIMEOUT_MS } from "../functions/quantum/consensus/model";
import type { ServerMessage } from "../functions/quantum/consensus/protocol";
import { markOffline } from "./consensus-sessions";
import { agent } from "./consensus-store";

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
