import { DurableObject } from "cloudflare:workers";
import { liveMessage, matchesSubscription as matches, type Subscription } from "../functions/platform/events/live";
import type { SecurityEvent } from "../functions/platform/events/model";
import type { StoredEntry } from "../functions/platform/audit-chain";
import { emitEvent } from "../functions/platform/events/emit";
import { nextSimulationDelayMs, simulatedEvent } from "../functions/platform/events/simulation";
import { createLogger, parseLogLevel } from "../functions/platform/log";
import { STREAM_LEASE_MS } from "../functions/platform/rate-limit/stream-slots";
import { appendChained, chainedPage, verifyChained, type ChainCheck } from "./chained-log";
import { applySchema, type SchemaStep } from "./sql-schema";

const SCHEMA: readonly SchemaStep[] = [
  {
    version: 1,
    sql: "CREATE TABLE probes (id INTEGER PRIMARY KEY CHECK (id = 1), count INTEGER NOT NULL, last_at INTEGER NOT NULL)",
  },
  {
    version: 2,
    sql: "CREATE TABLE simulation (id INTEGER PRIMARY KEY CHECK (id = 1), tenant_id TEXT NOT NULL, next_at INTEGER NOT NULL)",
  },
  { version: 3, sql: "CREATE TABLE leases_due (id INTEGER PRIMARY KEY CHECK (id = 1), at INTEGER NOT NULL)" },
  {
    version: 4,
    sql: "CREATE TABLE command_audit (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, details TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)",
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
    if (!this.leasesDueAt()) this.setLeasesDue(Date.now() + STREAM_LEASE_MS / 2);
    await this.scheduleAlarm();
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

  /** Appends to the tenant's hash-chained command log; the row is written before the reply. */
  async appendAudit(actor: string, action: string, detailsJson: string): Promise<{ seq: number; hash: string }> {
    const { seq, hash } = await appendChained(this.ctx, "command_audit", actor, action, detailsJson);
    return { seq, hash };
  }

  auditPage(afterSeq: number, limit: number): StoredEntry[] {
    return chainedPage(this.ctx, "command_audit", afterSeq, limit);
  }

  verifyAudit(fromSeq: number, limit: number): Promise<ChainCheck> {
    return verifyChained(this.ctx, "command_audit", fromSeq, limit);
  }

  /** Turns the tenant's simulated threat stream on or off; it survives restarts (storage and alarm). */
  async setSimulation(tenantId: string, on: boolean): Promise<void> {
    const sql = this.ctx.storage.sql;
    if (on)
      sql.exec(
        "INSERT OR REPLACE INTO simulation (id, tenant_id, next_at) VALUES (1, ?, ?)",
        tenantId,
        Date.now() + nextSimulationDelayMs(),
      );
    else sql.exec("DELETE FROM simulation");
    await this.scheduleAlarm();
  }

  /** One alarm serves two clocks: renewing open sockets' stream-slot leases, and the simulation's next event. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    const leasesDue = this.leasesDueAt();
    if (leasesDue !== null && now >= leasesDue) await this.renewLeases(now);
    const simulation = this.simulation();
    if (simulation && now >= simulation.nextAt) {
      this.ctx.storage.sql.exec("UPDATE simulation SET next_at = ?", now + nextSimulationDelayMs());
      const log = createLogger(parseLogLevel(this.env.LOG_LEVEL), { tenant_id: simulation.tenantId });
      await emitEvent(this.env, simulatedEvent(simulation.tenantId), log, (e) => this.publish(e));
    }
    await this.scheduleAlarm();
  }

  private async renewLeases(now: number) {
    const sockets = this.ctx.getWebSockets();
    await Promise.all(
      sockets.map(async (ws) => {
        const s = ws.deserializeAttachment() as Subscription | null;
        if (s && !(await this.env.CONNECTION_SLOTS.getByName(s.slotsName).renew(s.slotId, STREAM_LEASE_MS)))
          ws.close(1008, "stream slot expired");
      }),
    );
    if (sockets.length) this.setLeasesDue(now + STREAM_LEASE_MS / 2);
    else this.ctx.storage.sql.exec("DELETE FROM leases_due");
  }

  private leasesDueAt(): number | null {
    return this.ctx.storage.sql.exec<{ at: number }>("SELECT at FROM leases_due").toArray()[0]?.at ?? null;
  }

  private setLeasesDue(at: number) {
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO leases_due (id, at) VALUES (1, ?)", at);
  }

  private simulation(): { tenantId: string; nextAt: number } | null {
    const row = this.ctx.storage.sql
      .exec<{ tenant_id: string; next_at: number }>("SELECT tenant_id, next_at FROM simulation")
      .toArray()[0];
    return row ? { tenantId: row.tenant_id, nextAt: row.next_at } : null;
  }

  private async scheduleAlarm() {
    const due = [this.leasesDueAt(), this.simulation()?.nextAt ?? null].filter((t): t is number => t !== null);
    if (due.length) await this.ctx.storage.setAlarm(Math.min(...due));
    else await this.ctx.storage.deleteAlarm();
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
