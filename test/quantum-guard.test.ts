import { createRoute } from "@hono/zod-openapi";
import { createExecutionContext, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../functions/app";
import { principalOf } from "../functions/platform/auth/authenticate";
import type { Principal } from "../functions/platform/auth/principal";
import { acquireStreamSlot } from "../functions/platform/rate-limit/stream-slots";
import { quantumGuard } from "../functions/quantum/guard";
import { adminHeaders, BASE, call, createTenant, postJson } from "./helpers";

/** A probe read guarded exactly as quantum-defense routes will be. */
const app = buildApp();
app.openapi(
  createRoute({ method: "get", path: "/v3/probe/status", middleware: quantumGuard(), responses: { 200: { description: "ok" } } }),
  (c) => c.json({ client: principalOf(c).id }, 200),
);
const get = (token: string) =>
  app.request(`${BASE}/v3/probe/status`, { headers: { Authorization: `Bearer ${token}` } }, env, createExecutionContext());

async function tokenFor(tenantId: string, tier: string) {
  const client = (await (
    await postJson(`/admin/tenants/${tenantId}/oauth-clients`, { tier, scopes: ["quantum:read"] }, adminHeaders)
  ).json()) as {
    client_id: string;
    client_secret: string;
  };
  const res = await call("/v3/oauth/token", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: client.client_id,
      client_secret: client.client_secret,
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

let tenantId: string;
beforeAll(async () => {
  tenantId = await createTenant("quantum-tiers");
});

describe("quantum-defense tier limits", () => {
  it("free tier: a burst of 50, then 429; the tier and both policies are announced", async () => {
    const token = await tokenFor(tenantId, "free");
    const first = await get(token);
    expect(first.status).toBe(200);
    expect(first.headers.get("X-RateLimit-Tier")).toBe("free");
    expect(first.headers.get("RateLimit-Policy")).toBe('"quantum-free-rate";q=50;w=1, "quantum-free-daily";q=10000;w=86400');
    expect(first.headers.get("X-RateLimit-Limit")).toBe("50");
    const started = Date.now();
    let status = 200;
    let served = 1;
    while (status === 200 && served < 1000) {
      status = (await get(token)).status;
      if (status === 200) served++;
    }
    // The bucket refills 10 a second, so a slow machine sees up to that many more than the burst.
    const refilled = 10 * Math.ceil((Date.now() - started) / 1000);
    expect(status).toBe(429);
    expect(served).toBeGreaterThanOrEqual(50);
    expect(served).toBeLessThanOrEqual(50 + refilled);
  });

  it("an enterprise client has no daily quota", async () => {
    const res = await get(await tokenFor(tenantId, "enterprise"));
    expect(res.headers.get("RateLimit-Policy")).toBe('"quantum-enterprise-rate";q=50000;w=1');
  });

  it("an incident-response token is not accepted here", async () => {
    const res = await get("not-a-token");
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");
  });
});

describe("concurrent stream connections per tier", () => {
  const principal = (id: string): Principal => ({
    tenantId: "ten_streams",
    kind: "oauth_client",
    id,
    method: "oauth_token",
    role: null,
    scopes: [],
    tier: "free",
    machine: null,
    sessionId: null,
  });

  it("free tier holds 5 at once; a released slot is reusable", async () => {
    const p = principal("cli_streams");
    const slots = [];
    for (let i = 0; i < 5; i++) slots.push(await acquireStreamSlot(env, p));
    await expect(acquireStreamSlot(env, p)).rejects.toMatchObject({ code: "rate_limited" });
    await slots[0]!.release();
    const again = await acquireStreamSlot(env, p);
    expect(await again.renew()).toBe(true);
    await expect(acquireStreamSlot(env, principal("cli_other"))).resolves.toBeTruthy();
  });

  it("a connection that dies without releasing frees its slot when its lease runs out", async () => {
    const p = principal("cli_leases");
    for (let i = 0; i < 5; i++) await acquireStreamSlot(env, p);
    await expect(acquireStreamSlot(env, p)).rejects.toMatchObject({ code: "rate_limited" });
    const stub = env.CONNECTION_SLOTS.getByName("ten_streams:oauth_client:cli_leases");
    await runInDurableObject(
      stub,
      (_, state) =>
        void state.storage.sql.exec(
          "UPDATE leases SET expires_at = 0 WHERE connection_id = (SELECT min(connection_id) FROM leases)",
        ),
    );
    await expect(acquireStreamSlot(env, p)).resolves.toBeTruthy();
  });
});
