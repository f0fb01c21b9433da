import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { buildApp } from "../functions/app";
import { applyAlgorithm, leaseWindow, type CounterStore } from "../functions/platform/rate-limit/algorithms";
import {
  adminHeaders,
  awayFromWindowBoundary,
  BASE,
  call,
  createApiKey,
  createTenant,
  createUser,
  postJson,
  randomIp,
} from "./helpers";

const fromIp = (ip: string) => ({ "CF-Connecting-IP": ip });

describe("command console /api/auth: 5 a minute, sliding, per IP", () => {
  it("counts down in the seed's headers, then answers 429 with Retry-After", async () => {
    await awayFromWindowBoundary();
    const ip = randomIp();
    for (let i = 1; i <= 5; i++) {
      const res = await postJson("/api/auth", { code: "qac_wrong" }, fromIp(ip));
      expect(res.status).toBe(401);
      expect(res.headers.get("X-RateLimit-Limit")).toBe("5");
      expect(res.headers.get("X-RateLimit-Remaining")).toBe(String(5 - i));
      expect(Number(res.headers.get("X-RateLimit-Reset")) * 1000).toBeGreaterThan(Date.now());
      expect(res.headers.get("RateLimit-Policy")).toBe('"command-auth";q=5;w=60');
      expect(res.headers.get("RateLimit")).toMatch(new RegExp(`^"command-auth";r=${5 - i};t=\\d+$`));
    }
    const limited = await postJson("/api/auth", { code: "qac_wrong" }, fromIp(ip));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(limited.headers.get("X-RateLimit-Remaining")).toBe("0");
    expect(await limited.json()).toEqual({ authorized: false, error: "Rate limit exceeded" });
    // Another client is unaffected.
    expect((await postJson("/api/auth", { code: "qac_wrong" }, fromIp(randomIp()))).status).toBe(401);
  });
});

describe("brute force on every credential endpoint", () => {
  let username: string;
  let clientId: string;
  beforeAll(async () => {
    const tenantId = await createTenant("brute-force");
    username = (await createUser(tenantId, "target@brute.test", "viewer")).username;
    clientId = (
      (await (
        await postJson(`/admin/tenants/${tenantId}/oauth-clients`, { tier: "free", scopes: ["q:r"] }, adminHeaders)
      ).json()) as { client_id: string }
    ).client_id;
  });

  const attempts: Record<string, (ip: string) => Promise<Response>> = {
    "POST /auth/login": (ip) => postJson("/auth/login", { username, password: "guess" }, fromIp(ip)),
    "POST /auth/refresh": (ip) => postJson("/auth/refresh", { refresh_token: "vrt_guess" }, fromIp(ip)),
    "POST /api/av/auth/login": (ip) => postJson("/api/av/auth/login", { username, password: "guess" }, fromIp(ip)),
    "POST /v3/oauth/token": (ip) =>
      call("/v3/oauth/token", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", ...fromIp(ip) },
        body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: "guess" }),
      }),
  };

  for (const [name, attempt] of Object.entries(attempts)) {
    it(`${name}: ten failures a minute per IP, then 429`, async () => {
      await awayFromWindowBoundary();
      const ip = randomIp();
      for (let i = 0; i < 10; i++) expect((await attempt(ip)).status).toBe(401);
      const res = await attempt(ip);
      expect(res.status).toBe(429);
      expect(res.headers.get("Retry-After")).toMatch(/^\d+$/);
    });
  }
});

describe("incident response: per authentication method", () => {
  it("JWTs get 1000 an hour and API keys 5000, each counted per principal", async () => {
    const tenantId = await createTenant("incidents-limits");
    const user = await createUser(tenantId, "limits@incidents.test", "viewer");
    const tokens = (
      (await (await postJson("/auth/login", { username: user.username, password: user.password })).json()) as {
        data: { access_token: string };
      }
    ).data;
    const key = await createApiKey(tenantId, { name: "limits", scopes: ["read"] });
    const viaJwt = await call("/auth/me", { headers: { Authorization: `Bearer ${tokens.access_token}` } });
    expect(viaJwt.headers.get("X-RateLimit-Limit")).toBe("1000");
    expect(viaJwt.headers.get("X-RateLimit-Remaining")).toBe("999");
    const first = await call("/auth/me", { headers: { "X-API-Key": key.key } });
    const second = await call("/auth/me", { headers: { "X-API-Key": key.key, "CF-Connecting-IP": randomIp() } });
    expect(first.headers.get("X-RateLimit-Limit")).toBe("5000");
    expect(second.headers.get("X-RateLimit-Remaining")).toBe("4998");
  });
});

describe("when the limiter's backend is unreachable", () => {
  afterEach(() => vi.restoreAllMocks());
  // An Upstash URL nobody listens on: every limiter call fails.
  const downEnv = { ...env, UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9", UPSTASH_REDIS_REST_TOKEN: "x" };

  it("credential and write routes fail closed with 503", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const res = await buildApp().request(
      `${BASE}/auth/login`,
      {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ username: "x", password: "y" }),
      },
      downEnv,
      createExecutionContext(),
    );
    expect(res.status).toBe(503);
    expect(res.headers.get("Retry-After")).toBe("5");
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("SERVICE_UNAVAILABLE");
  });

  it("reads fail open, with a warning and no limit headers", async () => {
    const warnings: string[] = [];
    vi.spyOn(console, "warn").mockImplementation((line: unknown) => void warnings.push(String(line)));
    const tenantId = await createTenant("fail-open");
    const key = await createApiKey(tenantId, { name: "reader", scopes: ["read"] });
    const res = await buildApp().request(
      `${BASE}/auth/me`,
      { headers: { "X-API-Key": key.key } },
      downEnv,
      createExecutionContext(),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("X-RateLimit-Limit")).toBeNull();
    expect(warnings.some((w) => w.includes("failing open"))).toBe(true);
  });
});

describe("algorithms (as @upstash/ratelimit defines them)", () => {
  const memory = (): CounterStore => {
    const m = new Map<string, number>();
    return { get: (k) => m.get(k) ?? null, set: (k, v) => void m.set(k, v) };
  };

  it("sliding window weighs the previous window by how much of it still overlaps", () => {
    const store = memory();
    const a = { kind: "sliding", limit: 10, windowMs: 1000 } as const;
    for (let i = 0; i < 10; i++) expect(applyAlgorithm(store, a, 500).success).toBe(true);
    expect(applyAlgorithm(store, a, 999).success).toBe(false);
    // 25% into the next window, 75% of the previous 10 still count: 7 used, 3 left.
    const results = [1250, 1250, 1250, 1250].map((t) => applyAlgorithm(store, a, t));
    expect(results.map((r) => r.success)).toEqual([true, true, true, false]);
    expect(results[0]).toMatchObject({ remaining: 2, reset: 2000 });
  });

  it("fixed window resets at the boundary", () => {
    const store = memory();
    const a = { kind: "fixed", limit: 2, windowMs: 1000 } as const;
    expect([100, 200, 300].map((t) => applyAlgorithm(store, a, t).success)).toEqual([true, true, false]);
    expect(applyAlgorithm(store, a, 1000)).toMatchObject({ success: true, remaining: 1, reset: 2000 });
  });

  it("token bucket allows the burst, then the refill rate", () => {
    const store = memory();
    const a = { kind: "token", maxTokens: 5, refillRate: 2, intervalMs: 1000 } as const;
    expect(Array.from({ length: 6 }, () => applyAlgorithm(store, a, 0).success)).toEqual([true, true, true, true, true, false]);
    expect([1000, 1000, 1000].map((t) => applyAlgorithm(store, a, t).success)).toEqual([true, true, false]);
  });

  it("a sliding-window lease grants only what the weighted previous window leaves, and agrees with per-request decisions", () => {
    const a = { kind: "sliding", limit: 10, windowMs: 1000 } as const;
    const store = memory();
    for (let i = 0; i < 10; i++) applyAlgorithm(store, a, 100);
    // Halfway through the next window, half of the previous ten still count: five permits remain.
    expect(leaseWindow(store, a, 8, 1500)).toMatchObject({ granted: 5, remaining: 0, success: true });
    expect(leaseWindow(store, a, 1, 1500)).toMatchObject({ granted: 0, success: false });
    expect(applyAlgorithm(store, a, 1500).success).toBe(false);
    // Leased and per-request callers share one count: the same trace never passes the limit.
    const mixed = memory();
    let served = 0;
    for (let t = 0; t < 3000; t += 37)
      served += t % 2 ? leaseWindow(mixed, a, 3, t).granted : +applyAlgorithm(mixed, a, t).success;
    expect(served).toBeLessThanOrEqual(10 * 3 + 10);
  });
});
