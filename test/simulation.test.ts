import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { simulatedEvent } from "../functions/platform/events/simulation";
import { demoMesh } from "../scripts/demo-mesh.mjs";
import { adminHeaders, call, createApiKey, createTenant } from "./helpers";

/** A small deterministic generator, so the distribution check cannot flake. */
function seeded(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const patch = (tenantId: string, body: unknown) =>
  call(`/admin/tenants/${tenantId}`, {
    method: "PATCH",
    headers: { ...adminHeaders, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });

describe("simulated threat events", () => {
  it("are plausible and skew low", () => {
    const random = seeded(7);
    const events = Array.from({ length: 10_000 }, () => simulatedEvent("ten_x", random, 0));
    const share = (s: string) => events.filter((e) => e.severity === s).length / events.length;
    expect(share("low")).toBeCloseTo(0.5, 1);
    expect(share("medium")).toBeCloseTo(0.3, 1);
    expect(share("high")).toBeCloseTo(0.15, 1);
    expect(share("critical")).toBeCloseTo(0.05, 1);
    for (const e of events.slice(0, 200)) {
      expect(e.countryCode).toMatch(/^[A-Z]{2}$/);
      expect(["grid", "lng", "access", "comms", "defense"]).toContain(e.systemType);
      expect(e.details).toEqual({ simulated: true });
    }
  });
});

describe("the demo mesh", () => {
  it("labels a node with every system the simulation names, so simulated critical events move demo nodes", () => {
    const labels = new Set(demoMesh().nodes.map((n) => n.label));
    const random = seeded(11);
    const named = new Set(Array.from({ length: 2000 }, () => simulatedEvent("ten_x", random).system!));
    expect(named.size).toBe(20);
    expect([...named].filter((system) => !labels.has(system))).toEqual([]);
  });
});

describe("tenant mode", () => {
  it("simulation mode makes the tenant's hub emit events; live mode stops it", async () => {
    const tenantId = await createTenant("sim-co");
    const key = (await createApiKey(tenantId, { name: "console", scopes: ["read"] })).key;
    const status = async () =>
      (await (await call("/api/events", { headers: { "X-API-Key": key } })).json()) as {
        status: string;
        mode: string;
        message: string;
      };
    expect(await status()).toEqual({ status: "operational", mode: "live", message: "QECNet Sentinel operational" });

    const res = await patch(tenantId, { mode: "simulation" });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { mode: string }).mode).toBe("simulation");
    expect((await status()).mode).toBe("simulation");

    const hub = env.TENANT_HUB.getByName(tenantId);
    await runInDurableObject(hub, (_, state) => void state.storage.sql.exec("UPDATE simulation SET next_at = 0"));
    expect(await runDurableObjectAlarm(hub)).toBe(true);
    const stored = await env.DB.prepare("SELECT type, details FROM security_events WHERE tenant_id = ?")
      .bind(tenantId)
      .all<{ type: string; details: string }>();
    expect(stored.results).toHaveLength(1);
    expect(stored.results[0]?.type).toBe("command.threat.simulated");

    expect((await patch(tenantId, { mode: "live" })).status).toBe(200);
    const rows = await runInDurableObject(hub, (_, state) => state.storage.sql.exec("SELECT * FROM simulation").toArray());
    expect(rows).toEqual([]);
  });

  it("validates the change", async () => {
    const tenantId = await createTenant("sim-validate");
    expect((await patch(tenantId, {})).status).toBe(400);
    expect((await patch(tenantId, { mode: "chaos" })).status).toBe(400);
    expect((await patch(`ten_${"a".repeat(32)}`, { mode: "live" })).status).toBe(404);
    expect((await call("/api/events")).status).toBe(401);
  });
});
