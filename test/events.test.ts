import { createExecutionContext, createScheduledController, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../functions/index";
import { emitEvent } from "../functions/platform/events/emit";
import type { NewEvent } from "../functions/platform/events/model";
import { createLogger } from "../functions/platform/log";
import { call, createApiKey, createTenant, eventually } from "./helpers";

const log = createLogger("error");
const base = (tenantId: string, over: Partial<NewEvent> = {}): NewEvent => ({
  tenantId,
  source: "command",
  type: "command.threat.detected",
  severity: "high",
  country: "Norway",
  countryCode: "NO",
  system: "grid-substation-7",
  systemType: "grid",
  description: "Unexpected breaker command",
  ...over,
});

let tenantId: string;
let key: string;
beforeAll(async () => {
  tenantId = await createTenant("events-co");
  key = (await createApiKey(tenantId, { name: "console", scopes: ["read"] })).key;
});

const history = (query = "", headers: Record<string, string> = { "X-API-Key": key }) =>
  call(`/api/events/history${query}`, { headers });

describe("emitEvent", () => {
  it("stores once per id, however often it is emitted", async () => {
    const id = `evt_${crypto.randomUUID().replaceAll("-", "")}`;
    const first = await emitEvent(env, base(tenantId, { id }), log);
    const again = await emitEvent(env, base(tenantId, { id, description: "a retry" }), log);
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.event.description).toBe("Unexpected breaker command");
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM security_events WHERE id = ?").bind(id).first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });

  it("refuses an id that belongs to another tenant", async () => {
    const other = await createTenant("events-other");
    const { event } = await emitEvent(env, base(other), log);
    await expect(emitEvent(env, base(tenantId, { id: event.id }), log)).rejects.toThrow(/another tenant/);
  });
});

describe("GET /api/events/history", () => {
  it("pages newest first with a cursor, filters, and never shows another tenant's events", async () => {
    const t = await createTenant("history-co");
    const k = (await createApiKey(t, { name: "h", scopes: ["read"] })).key;
    const severities = ["low", "critical", "medium", "critical", "high"] as const;
    for (const [i, severity] of severities.entries()) await emitEvent(env, base(t, { occurredAt: 1_000_000 + i, severity }), log);
    await emitEvent(env, base(tenantId, { occurredAt: 1_000_010 }), log);

    const get = async (q: string) =>
      (await (await history(q, { "X-API-Key": k })).json()) as {
        events: { timestamp: number; severity: string }[];
        next_cursor: string | null;
      };
    const first = await get("?limit=2");
    expect(first.events.map((e) => e.timestamp)).toEqual([1_000_004, 1_000_003]);
    const second = await get(`?limit=2&cursor=${first.next_cursor}`);
    expect(second.events.map((e) => e.timestamp)).toEqual([1_000_002, 1_000_001]);
    const last = await get(`?limit=2&cursor=${second.next_cursor}`);
    expect(last.events.map((e) => e.timestamp)).toEqual([1_000_000]);
    expect(last.next_cursor).toBeNull();

    const critical = await get("?severity=critical");
    expect(critical.events.map((e) => e.timestamp)).toEqual([1_000_003, 1_000_001]);
    const ranged = await get("?since=1000001&until=1000003&severity=critical,medium");
    expect(ranged.events.map((e) => e.timestamp)).toEqual([1_000_003, 1_000_002, 1_000_001]);
  });

  it("returns the seed's ThreatEvent shape exactly", async () => {
    const { event } = await emitEvent(env, base(tenantId, { occurredAt: 2_000_000 }), log);
    const body = (await (await history("?since=2000000&until=2000000")).json()) as { events: Record<string, unknown>[] };
    expect(body.events).toEqual([
      {
        id: event.id,
        timestamp: 2_000_000,
        country: "Norway",
        countryCode: "NO",
        system: "grid-substation-7",
        systemType: "grid",
        severity: "high",
        description: "Unexpected breaker command",
      },
    ]);
  });

  it("rejects bad input and missing credentials in the command envelope", async () => {
    for (const q of ["?cursor=%%%", "?severity=urgent", "?limit=0"]) {
      const res = await history(q);
      expect(res.status, q).toBe(400);
      expect(Object.keys((await res.json()) as object)).toEqual(["error"]);
    }
    const anonymous = await history("", {});
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ error: "Authentication required" });
  });
});

describe("GET /api/events/stream (WebSocket)", () => {
  async function connect(query = "") {
    const res = await call(`/api/events/stream${query}`, { headers: { Upgrade: "websocket", "X-API-Key": key } });
    expect(res.status).toBe(101);
    const ws = res.webSocket!;
    const received: { type: string; event: { id: string; severity: string } }[] = [];
    ws.accept();
    ws.addEventListener("message", (m) => received.push(JSON.parse(String(m.data))));
    return { ws, received };
  }
  /** After the expected messages arrived, a short pause would reveal any extra (unfiltered) ones. */
  const settle = () => new Promise((r) => setTimeout(r, 100));

  it("delivers emitted events live, honouring the subscriber's filters", async () => {
    const all = await connect();
    const criticalOnly = await connect("?severity=critical");
    const low = await emitEvent(env, base(tenantId, { severity: "low" }), log);
    const critical = await emitEvent(env, base(tenantId, { severity: "critical" }), log);
    await eventually(() => all.received.length >= 2 && criticalOnly.received.length >= 1);
    await settle();
    expect(all.received.map((m) => m.event.id)).toEqual([low.event.id, critical.event.id]);
    expect(criticalOnly.received.map((m) => m.event.id)).toEqual([critical.event.id]);
    expect(all.received[0]?.type).toBe("command.threat.detected");
    all.ws.close(1000);
    criticalOnly.ws.close(1000);
  });

  it("releases the stream slot when the socket closes", async () => {
    const { ws } = await connect();
    const slots = env.CONNECTION_SLOTS.getByName(
      `${tenantId}:api_key:${((await (await call("/auth/me", { headers: { "X-API-Key": key } })).json()) as { data: { id: string } }).data.id}`,
    );
    const count = () =>
      runInDurableObject(slots, (_, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM leases").one().n);
    const open = await count();
    ws.close(1000);
    await eventually(async () => (await count()) === open - 1);
  });

  it("refuses plain requests and anonymous upgrades", async () => {
    expect((await call("/api/events/stream", { headers: { "X-API-Key": key } })).status).toBe(400);
    expect((await call("/api/events/stream", { headers: { Upgrade: "websocket" } })).status).toBe(401);
  });
});

describe("event retention", () => {
  it("the cron deletes events past the tenant's retention and keeps the rest", async () => {
    const t = await createTenant("retention-co");
    await env.DB.prepare("UPDATE tenants SET event_retention_days = 7 WHERE id = ?").bind(t).run();
    const now = Date.now();
    const old = await emitEvent(env, base(t, { occurredAt: now - 8 * 86_400_000 }), log);
    const kept = await emitEvent(env, base(t, { occurredAt: now - 6 * 86_400_000 }), log);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: new Date(now), cron: "*/5 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    const ids = await env.DB.prepare("SELECT id FROM security_events WHERE tenant_id = ?").bind(t).all<{ id: string }>();
    expect(ids.results.map((r) => r.id)).toEqual([kept.event.id]);
    expect(old.created).toBe(true);
  });
});

describe("the EVENTS queue", () => {
  it("hands every stored event to the registered subscribers, and dead-letters none", async () => {
    const { subscribeToEvents } = await import("../functions/platform/events/subscribers");
    const seen: string[] = [];
    subscribeToEvents("test-recorder", async (event) => void seen.push(event.id));
    const { event } = await emitEvent(env, base(tenantId, { severity: "critical" }), log);
    await eventually(() => seen.includes(event.id));
    const dead = await env.DB.prepare("SELECT count(*) AS n FROM dead_letters WHERE kind = 'event.created'").first<{
      n: number;
    }>();
    expect(dead?.n).toBe(0);
  });
});
