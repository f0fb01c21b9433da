import { DurableObject } from "cloudflare:workers";
import { liveMessage, matchesSubscription as matches, type Subscription } from "../functions/platform/events/live";
import type { SecurityEvent } from "../functions/platform/events/model";
import { STREAM_LEASE_MS } from "../functions/platform/rate-limit/stream-slots";
import { applySchema, type SchemaStep } from "./sql-schema";

const SCHEMA: readonly SchemaStep[] = [
  {
    version: 1,
    sql: "CREATE TABLE probes (id INTEGER PRIMARY KEY CHECK (id = 1), count INTEGER NOT NULL, last_at INTEGER NOT NULL)",
  },
];

export interface ProbeResult {
  schemaVersion: number;
  probes: number;
  lastAt: number;
}

/**
 * One object per tenant: its live event hub. Sockets use the WebSocket Hibernation API, so an
 * idle tenant costs nothing; each socket's filters and stream-slot lease ride in its
 * attachment. An alarm renews the leases of open sockets and the slot is released on close.
 */
export class TenantHub extends DurableObject<Env> {
  private readonly schemaVersion: number;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.schemaVersion = applySchema(ctx.storage.sql, SCHEMA);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  probe(): ProbeResult {
    const row = this.ctx.storage.sql
      .exec<{ count: number; last_at: number }>(
        `INSERT INTO probes (id, count, last_at) VALUES (1, 1, ?)
         ON CONFLICT (id) DO UPDATE SET count = count + 1, last_at = excluded.last_at
         RETURNING count, last_at`,
        Date.now(),
      )
      .one();
    return { schemaVersion: this.schemaVersion, probes: row.count, lastAt: row.last_at };
  }

  /** WebSocket upgrades are the one thing RPC cannot carry; the Worker has already authenticated the caller. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade") !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
    const subscription = JSON.parse(request.headers.get("X-Vigil-Subscription") ?? "null") as Subscription | null;
    if (!subscription) return new Response("missing subscription", { status: 400 });
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment(subscription);
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + STREAM_LEASE_MS / 2);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Sends an event to every open socket whose filters match; returns how many received it. */
  publish(event: SecurityEvent): number {
    const message = liveMessage(event);
    let delivered = 0;
    for (const ws of this.ctx.getWebSockets()) {
      const s = ws.deserializeAttachment() as Subscription | null;
      if (!s || !matches(s, event)) continue;
      try {
        ws.send(message);
        delivered++;
      } catch {
        // A socket closing mid-send is cleaned up by webSocketClose.
      }
    }
    return delivered;
  }

  subscribers(): number {
    return this.ctx.getWebSockets().length;
  }

  override async alarm(): Promise<void> {
    const sockets = this.ctx.getWebSockets();
    await Promise.all(
      sockets.map(async (ws) => {
        const s = ws.deserializeAttachment() as Subscription | null;
        if (s && !(await this.env.CONNECTION_SLOTS.getByName(s.slotsName).renew(s.slotId, STREAM_LEASE_MS)))
          ws.close(1008, "stream slot expired");
      }),
    );
    if (sockets.length) await this.ctx.storage.setAlarm(Date.now() + STREAM_LEASE_MS / 2);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    await this.release(ws);
    try {
      ws.close(code === 1005 ? 1000 : code, "closed");
    } catch {
      // Already closed.
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.release(ws);
  }

  private async release(ws: WebSocket) {
    const s = ws.deserializeAttachment() as Subscription | null;
    if (s) await this.env.CONNECTION_SLOTS.getByName(s.slotsName).release(s.slotId);
  }
}
