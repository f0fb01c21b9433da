import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_GUESSES } from "../../functions/admin/guesses";
import { CREDENTIAL_POLICY, INCIDENTS_POLICIES, TIER_LIMITS } from "../../functions/platform/rate-limit/policies";
import { adminHeaders, awayFromWindowBoundary, call, postJson, quantumHeaders, randomIp } from "../helpers";
import { Checks, ok, refused, world, type World } from "./owasp-helpers";

// OWASP API6:2023 Unrestricted access to sensitive business flows: minting credentials (API
// keys, OAuth tokens), subscribing webhooks and trying passwords are throttled at the counts
// README "Rate limits" documents, with a 429 and Retry-After in the family's envelope.
const checks = new Checks("OWASP API6 Sensitive business flows");
let w: World;
let client: { client_id: string; client_secret: string };

beforeAll(async () => {
  w = await world("api6");
  const created = await postJson(
    `/admin/tenants/${w.tenantId}/oauth-clients`,
    { tier: "standard", scopes: ["quantum:read"] },
    adminHeaders,
  );
  client = await ok(created, 201);
});

afterAll(() => console.log(checks.summary()));

const tokenRequest = (ip: string, secret = client.client_secret) =>
  call("/v3/oauth/token", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", "CF-Connecting-IP": ip },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: client.client_id, client_secret: secret }),
  });

function expect429(res: Response, path: string) {
  expect(res.status, path).toBe(429);
  expect(Number(res.headers.get("Retry-After")), path).toBeGreaterThan(0);
  return refused(res, [429], path);
}

describe("API6 credential flows, per client address", () => {
  it("the documented limit is 10 a minute across the four credential endpoints", () => {
    expect(CREDENTIAL_POLICY.algorithm).toEqual({ kind: "sliding", limit: 10, windowMs: 60_000 });
    checks.hit("API6 sign-in");
  });

  it("sign-in attempts: 10 failures across /auth/login, /api/av/auth/login and /v3/oauth/token, then 429 everywhere", async () => {
    await awayFromWindowBoundary();
    const ip = randomIp();
    const from = { "CF-Connecting-IP": ip };
    const guesses = [
      ...Array.from(
        { length: 4 },
        () => () => postJson("/auth/login", { username: w.viewer.user.username, password: "guess" }, from),
      ),
      ...Array.from(
        { length: 3 },
        () => () => postJson("/api/av/auth/login", { username: w.viewer.user.username, password: "guess" }, from),
      ),
      ...Array.from({ length: 3 }, () => () => tokenRequest(ip, "qcs_guess")),
    ];
    for (const guess of guesses) expect((await guess()).status).toBe(401);
    // The right password does not get through either once the address is throttled.
    await expect429(
      await postJson("/auth/login", { username: w.viewer.user.username, password: w.viewer.user.password }, from),
      "/auth/login",
    );
    await expect429(await postJson("/auth/refresh", { refresh_token: w.viewer.refresh }, from), "/auth/refresh");
    await expect429(
      await postJson("/api/av/login", { username: w.viewer.user.username, password: "guess" }, from),
      "/api/av/login",
    );
    expect(
      (await postJson("/auth/login", { username: w.viewer.user.username, password: "guess" }, { "CF-Connecting-IP": randomIp() }))
        .status,
    ).toBe(401);
    checks.hit("API6 sign-in", 4);
  });

  it("the console's authorization codes: 5 a minute per address", async () => {
    await awayFromWindowBoundary();
    const from = { "CF-Connecting-IP": randomIp() };
    for (let i = 0; i < 5; i++) expect((await postJson("/api/auth", { code: `qac_guess${i}` }, from)).status).toBe(401);
    await expect429(await postJson("/api/auth", { code: "qac_guess" }, from), "/api/auth");
    checks.hit("API6 sign-in");
  });

  it("OAuth tokens: a client with the right secret mints 10 a minute from one address, then 429", async () => {
    await awayFromWindowBoundary();
    const ip = randomIp();
    for (let i = 0; i < 10; i++) expect((await tokenRequest(ip)).status).toBe(200);
    const res = await tokenRequest(ip);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    await expect429(res, "/v3/oauth/token");
    checks.hit("API6 OAuth tokens", 2);
  });
});

describe("API6 creating credentials and subscriptions, per principal", () => {
  it("a user's token: 1000 requests an hour in all, so API-key and webhook creation stop at the 1001st request", async () => {
    expect(INCIDENTS_POLICIES.jwt.algorithm).toEqual({ kind: "sliding", limit: 1000, windowMs: 3_600_000 });
    const session = w.admin.headers;
    // A window boundary mid-burst would weigh the previous hour in; start well inside one.
    await awayFromWindowBoundary(3_600_000, 30_000);
    // The hour's budget, spent mostly on cheap reads; creation shares it.
    let remaining = 0;
    for (let i = 0; i < 980; i++) {
      const res = await call("/auth/me", { headers: session });
      expect(res.status).toBe(200);
      remaining = Number(res.headers.get("X-RateLimit-Remaining"));
    }
    expect(remaining).toBe(20);
    for (let i = 0; i < 10; i++) {
      const key = await postJson("/api/v1/auth/api-keys", { name: `k${i}`, scopes: ["read"] }, session);
      expect(key.status).toBe(201);
      const hook = await postJson("/api/v1/webhooks", { url: "https://hooks.example.com/h", events: ["*"] }, session);
      expect(hook.status).toBe(201);
      remaining = Number(hook.headers.get("X-RateLimit-Remaining"));
    }
    expect(remaining).toBe(0);
    const body = JSON.parse(
      await expect429(
        await postJson("/api/v1/auth/api-keys", { name: "one-more", scopes: ["read"] }, session),
        "/api/v1/auth/api-keys",
      ),
    );
    expect(body.error).toMatchObject({ code: "RATE_LIMITED" });
    await expect429(
      await postJson("/api/v1/webhooks", { url: "https://hooks.example.com/h", events: ["*"] }, session),
      "/api/v1/webhooks",
    );
    checks.hit("API6 API keys and webhooks", 4);
  }, 120_000);

  it("a free-tier OAuth client creating webhooks: its burst of 50, then 429 with the tier named", async () => {
    const free = await quantumHeaders(w.tenantId, ["quantum:read", "quantum:write"], "free");
    const started = Date.now();
    let created = 0;
    let limited: Response | undefined;
    for (let i = 0; i < 200 && !limited; i++) {
      const res = await postJson("/v3/webhooks", { url: `https://hooks.example.com/${i}`, events: ["*"] }, free);
      if (res.status === 201) created++;
      else limited = res;
    }
    const refill = Math.ceil(((Date.now() - started) / 1000) * TIER_LIMITS.free.perSecond);
    expect(created).toBeGreaterThanOrEqual(TIER_LIMITS.free.burst);
    expect(created).toBeLessThanOrEqual(TIER_LIMITS.free.burst + refill + 1);
    expect(limited!.headers.get("X-RateLimit-Tier")).toBe("free");
    await expect429(limited!, "/v3/webhooks");
    checks.hit("API6 API keys and webhooks", 3);
  });

  it("wrong ADMIN_TOKEN guesses: 10 from one address in 15 minutes, then 429 even for the right token; other addresses unaffected", async () => {
    expect(ADMIN_GUESSES).toEqual({ kind: "fixed", limit: 10, windowMs: 15 * 60_000 });
    await awayFromWindowBoundary(ADMIN_GUESSES.windowMs);
    const ip = randomIp();
    const as = (Authorization: string, from = ip) =>
      call("/admin/tenants", { headers: { Authorization, "CF-Connecting-IP": from } });
    // The right token from the same address is never counted, before or between the guesses.
    expect((await as(adminHeaders.Authorization, ip)).status).toBe(200);
    for (let i = 0; i < ADMIN_GUESSES.limit; i++) {
      await refused(await as(`Bearer guess-${i}`), [401], "/admin/tenants");
      if (i === 4) expect((await as(adminHeaders.Authorization)).status).toBe(200);
    }
    await expect429(await as(adminHeaders.Authorization), "/admin/tenants");
    await expect429(await as("Bearer guess-again"), "/admin/tenants");
    expect((await as(adminHeaders.Authorization, randomIp())).status).toBe(200);
    checks.hit("API6 sign-in", 5);
  });
});
