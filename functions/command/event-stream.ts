import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import { and, asc, eq, gt, inArray, sql, type SQL } from "drizzle-orm";
import { securityEvents, type Severity, type SystemType } from "../../schema";
import { liveMessage, type Subscription } from "../platform/events/live";
import { database, type Database } from "../platform/db";
import type { AppEnv } from "../platform/types";
import type { Principal } from "../platform/auth/principal";
import { acquireStreamSlot } from "../platform/rate-limit/stream-slots";

/** At most this many missed events are replayed on resume; older ones are in /api/events/history. */
export const REPLAY_LIMIT = 1000;

/** Events stored after `lastEventId` in insertion order (rowid), matching the subscription's filters. */
async function missedEvents(db: Database, tenantId: string, lastEventId: string, s: Subscription) {
  const where: (SQL | undefined)[] = [
    eq(securityEvents.tenantId, tenantId),
    gt(sql`rowid`, sql`(SELECT rowid FROM security_events WHERE id = ${lastEventId} AND tenant_id = ${tenantId})`),
  ];
  if (s.severities.length) where.push(inArray(securityEvents.severity, s.severities as Severity[]));
  if (s.systemTypes.length) where.push(inArray(securityEvents.systemType, s.systemTypes as SystemType[]));
  if (s.types.length) where.push(inArray(securityEvents.type, s.types));
  return db
    .select()
    .from(securityEvents)
    .where(and(...where))
    .orderBy(asc(sql`rowid`))
    .limit(REPLAY_LIMIT);
}

/**
 * Server-sent events: subscribe to the tenant hub first (buffering), then replay what the
 * client missed since Last-Event-ID from D1, then flush the buffer without duplicates and
 * go live, so no event falls in the gap between history and live.
 */
export function sseStream(c: Context<AppEnv>, tenantId: string, subscription: Subscription, hubSocket: WebSocket) {
  return streamSSE(c, async (stream) => {
    const buffered: string[] = [];
    let live = false;
    const sent = new Set<string>();
    const write = (raw: string) => {
      const { event } = JSON.parse(raw) as { event: { id: string } };
      if (sent.has(event.id)) return;
      void stream.writeSSE({ id: event.id, event: "event", data: raw });
    };
    const closed = new Promise<void>((resolve) => {
      hubSocket.addEventListener("message", (m) => (live ? write(String(m.data)) : buffered.push(String(m.data))));
      hubSocket.addEventListener("close", () => resolve());
      stream.onAbort(() => resolve());
    });
    hubSocket.accept();
    const lastEventId = c.req.header("Last-Event-ID");
    if (lastEventId) {
      for (const e of await missedEvents(database(c.env.DB), tenantId, lastEventId.slice(0, 100), subscription)) {
        await stream.writeSSE({ id: e.id, event: "event", data: liveMessage(e) });
        sent.add(e.id);
      }
    }
    buffered.forEach(write);
    live = true;
    await closed;
    try {
      hubSocket.close(1000, "client gone");
    } catch {
      // Already closed.
    }
  });
}

/** What a subscriber filters on; the stream slot is added when it opens. */
export type StreamFilters = Pick<Subscription, "severities" | "systemTypes" | "types">;

/**
 * A live subscription on the tenant's hub, holding one of the tier's stream slots (released if
 * the hub refuses). The socket is the hub's end: accept it to receive `liveMessage`s.
 */
export async function openHubSocket(env: Env, p: Principal, filters: StreamFilters, url: string) {
  const slot = await acquireStreamSlot(env, p);
  const subscription: Subscription = { ...filters, slotsName: slot.slotsName, slotId: slot.id };
  const upgrade = new Request(url, { headers: { Upgrade: "websocket", "X-Vigil-Subscription": JSON.stringify(subscription) } });
  const res = await env.TENANT_HUB.getByName(p.tenantId).fetch(upgrade);
  if (res.status !== 101 || !res.webSocket) {
    await slot.release();
    throw new Error(`tenant hub refused the upgrade: ${res.status}`);
  }
  return { socket: res.webSocket, subscription };
}

/** Answers a live subscription as a WebSocket (an upgrade) or as SSE. Any family's stream goes through here. */
export async function openHubStream(c: Context<AppEnv>, p: Principal, filters: StreamFilters, websocket: boolean) {
  const { socket, subscription } = await openHubSocket(c.env, p, filters, c.req.url);
  if (!websocket) return sseStream(c, p.tenantId, subscription, socket);
  // A fresh Response: the hub's has immutable headers, and the platform middleware adds its own.
  return new Response(null, { status: 101, webSocket: socket });
}
