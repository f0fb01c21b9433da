import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { buildApp } from "../functions/app";
import { durableObjectBackend, upstashBackend, type RateLimitBackend } from "../functions/platform/rate-limit/backends";
import type { Policy } from "../functions/platform/rate-limit/policies";
import { shardName } from "../functions/platform/rate-limit/shards";
import { awayFromWindowBoundary, BASE, call, createApiKey, createTenant, randomIp } from "./helpers";

const haveRedis = env.TEST_UPSTASH_URL !== "";
const upstashEnv = { ...env, UPSTASH_REDIS_REST_URL: env.TEST_UPSTASH_URL, UPSTASH_REDIS_REST_TOKEN: env.TEST_UPSTASH_TOKEN };

const POLICIES: Policy[] = [
  { id: "trace-sliding", failMode: "closed", algorithm: { kind: "sliding", limit: 5, windowMs: 60_000 } },
  { id: "trace-fixed", failMode: "closed", algorithm: { kind: "fixed", limit: 3, windowMs: 60_000 } },
  { id: "trace-token", failMode: "closed", algorithm: { kind: "token", maxTokens: 4, refillRate: 1, intervalMs: 60_000 } },
];

/**
 * Sends the same trace to both backends step by step, so each pair of decisions is taken at
 * nearly the same moment (token-bucket resets count from the first request's clock).
 */
async function traces(x: RateLimitBackend, y: RateLimitBackend, policy: Policy, identifier: string, n: number) {
  const a = [];
  const b = [];
  for (let i = 0; i < n; i++) {
    a.push(await x.limit(policy, identifier));
    b.push(await y.limit(policy, identifier));
  }
  return [a, b] as const;
}

describe.skipIf(!haveRedis)("Upstash backend against a real Redis", () => {
  it("reaches the same decisions as the embedded backend for the same trace", async () => {
    await awayFromWindowBoundary();
    const upstash = upstashBackend(env.TEST_UPSTASH_URL, env.TEST_UPSTASH_TOKEN);
    const embedded = durableObjectBackend(env.RATE_LIMITER);
    for (const policy of POLICIES) {
      const id = `trace-${crypto.randomUUID()}`;
      const [a, b] = await traces(upstash, embedded, policy, id, 8);
      const decisions = (rs: typeof a) => rs.map((r) => [r.success, r.limit, r.remaining]);
      expect(decisions(a), policy.id).toEqual(decisions(b));
      expect(a.filter((r) => r.success)).toHaveLength(
        policy.algorithm.kind === "sliding" ? 5 : policy.algorithm.kind === "fixed" ? 3 : 4,
      );
      a.forEach((r, i) => expect(Math.abs(r.reset - b[i]!.reset), `${policy.id} reset`).toBeLessThan(1000));
    }
  });

  it("gives identical statuses and headers through the middleware on /api/auth", async () => {
    await awayFromWindowBoundary();
    const drive = async (environment: typeof env) => {
      const app = buildApp();
      const ip = randomIp();
      const rows = [];
      for (let i = 0; i < 7; i++) {
        const res = await app.request(
          `${BASE}/api/auth`,
          {
            method: "POST",
            headers: { "Content-Type": "application/json", "CF-Connecting-IP": ip },
            body: JSON.stringify({ code: "qac_wrong" }),
          },
          environment,
          createExecutionContext(),
        );
        const h = (name: string) => res.headers.get(name);
        rows.push([
          res.status,
          h("X-RateLimit-Limit"),
          h("X-RateLimit-Remaining"),
          h("X-RateLimit-Reset"),
          h("RateLimit-Policy"),
          h("RateLimit")?.replace(/;t=\d+$/, ""),
        ]);
      }
      return rows;
    };
    const viaUpstash = await drive(upstashEnv);
    const viaEmbedded = await drive(env);
    expect(viaUpstash).toEqual(viaEmbedded);
    expect(viaUpstash.map((r) => r[0])).toEqual([401, 401, 401, 401, 401, 429, 429]);
  });

  it("stores its counters in Redis under the policy's prefix", async () => {
    const upstash = upstashBackend(env.TEST_UPSTASH_URL, env.TEST_UPSTASH_TOKEN);
    await upstash.limit(POLICIES[1]!, "prefix-check");
    const res = await fetch(env.TEST_UPSTASH_URL, {
      method: "POST",
      headers: { Authorization: `Bearer ${env.TEST_UPSTASH_TOKEN}` },
      body: JSON.stringify(["KEYS", "vigil:rl:trace-fixed:prefix-check:*"]),
    });
    expect(((await res.json()) as { result: string[] }).result).toHaveLength(1);
  });
});

describe("fixed-window leases (embedded backend)", () => {
  const policy: Policy = { id: "lease-fixed", failMode: "closed", algorithm: { kind: "fixed", limit: 40, windowMs: 60_000 } };
  const algorithm = policy.algorithm as Extract<Policy["algorithm"], { kind: "fixed" }>;

  it("decides exactly as per-request counting for one caller, with fewer round trips", async () => {
    await awayFromWindowBoundary();
    const backend = durableObjectBackend(env.RATE_LIMITER);
    const id = `lease-${crypto.randomUUID()}`;
    const results = [];
    for (let i = 0; i < 45; i++) results.push(await backend.limit(policy, id));
    expect(results.map((r) => r.success)).toEqual([...Array(40).fill(true), ...Array(5).fill(false)]);
    expect(results.slice(0, 40).map((r) => r.remaining)).toEqual(Array.from({ length: 40 }, (_, i) => 39 - i));

    const fresh = `lease-${crypto.randomUUID()}`;
    for (let i = 0; i < 5; i++) await backend.limit(policy, fresh);
    // Leases of 1, 2, then 4 permits: the object counted 7, though only 5 were spent.
    const seen = await env.RATE_LIMITER.getByName(shardName(policy.id, fresh)).lease(fresh, algorithm, 0);
    expect(seen.remaining).toBe(33);
  });

  it("never lets a caller past the limit when another isolate holds permits", async () => {
    await awayFromWindowBoundary();
    const backend = durableObjectBackend(env.RATE_LIMITER);
    const id = `lease-${crypto.randomUUID()}`;
    for (let i = 0; i < 3; i++) expect((await backend.limit(policy, id)).success).toBe(true);
    // Another isolate leases the rest of the window.
    const other = await env.RATE_LIMITER.getByName(shardName(policy.id, id)).lease(id, algorithm, 100);
    let allowed = 3 + other.granted;
    for (let i = 0; i < 10; i++) if ((await backend.limit(policy, id)).success) allowed++;
    expect(allowed).toBeLessThanOrEqual(40);
    expect((await backend.limit(policy, id)).success).toBe(false);
  });
});

describe("reads under fail-open fixed windows: counted in the isolate, sent in batches", () => {
  const policy: Policy = { id: "deferred-reads", failMode: "open", algorithm: { kind: "fixed", limit: 5, windowMs: 60_000 } };
  const algorithm = policy.algorithm as Extract<Policy["algorithm"], { kind: "fixed" }>;
  const bucket = () => Math.floor(Date.now() / algorithm.windowMs);
  const totalAt = (id: string) =>
    env.RATE_LIMITER.getByName(shardName(policy.id, id))
      .addMany(algorithm, bucket(), [[id, 0]])
      .then((t) => t[id]);

  it("is exact within an isolate and reaches the limiter object after the flush", async () => {
    await awayFromWindowBoundary();
    const backend = durableObjectBackend(env.RATE_LIMITER);
    const id = `reader-${crypto.randomUUID()}`;
    const results = [];
    for (let i = 0; i < 7; i++) results.push(await backend.limit(policy, id, true));
    expect(results.map((r) => r.success)).toEqual([true, true, true, true, true, false, false]);
    expect(results.slice(0, 5).map((r) => r.remaining)).toEqual([4, 3, 2, 1, 0]);
    await Promise.all(results.map((r) => r.pending));
    expect(await totalAt(id)).toBe(5);
  });

  it("learns what other isolates served at the next flush", async () => {
    await awayFromWindowBoundary();
    const backend = durableObjectBackend(env.RATE_LIMITER);
    const id = `reader-${crypto.randomUUID()}`;
    // Another isolate already served three reads for this caller in this window.
    await env.RATE_LIMITER.getByName(shardName(policy.id, id)).addMany(algorithm, bucket(), [[id, 3]]);
    const first = await backend.limit(policy, id, true);
    expect(first.success).toBe(true);
    await first.pending;
    const after = [];
    for (let i = 0; i < 3; i++) after.push((await backend.limit(policy, id, true)).success);
    expect(after).toEqual([true, false, false]);
  });

  it("serves 60 history reads a minute per principal, then 429 with the seed's headers", async () => {
    await awayFromWindowBoundary();
    const tenantId = await createTenant("deferred-history");
    const headers = { "X-API-Key": (await createApiKey(tenantId, { name: "reader", scopes: ["read"] })).key };
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 62; i++) {
      last = await call("/api/events/history?limit=1", { headers });
      statuses.push(last.status);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(60);
    expect(statuses.slice(60)).toEqual([429, 429]);
    expect(last!.headers.get("X-RateLimit-Remaining")).toBe("0");
    expect(Number(last!.headers.get("Retry-After"))).toBeGreaterThan(0);
  });
});

describe("limiter shards", () => {
  it("keeps callers that share an object apart: each has its own counters", async () => {
    await awayFromWindowBoundary();
    const policy: Policy = { id: "shared-shard", failMode: "closed", algorithm: { kind: "sliding", limit: 2, windowMs: 60_000 } };
    const a = `caller-${crypto.randomUUID()}`;
    let b = `caller-${crypto.randomUUID()}`;
    while (shardName(policy.id, b) !== shardName(policy.id, a)) b = `caller-${crypto.randomUUID()}`;
    const backend = durableObjectBackend(env.RATE_LIMITER);
    const run = (id: string) => Promise.all([0, 1, 2].map(async () => (await backend.limit(policy, id)).success));
    const first = await run(a);
    const second = await run(b);
    expect(first.filter(Boolean)).toHaveLength(2);
    expect(second.filter(Boolean)).toHaveLength(2);
  });
});
