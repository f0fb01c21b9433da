import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { buildApp } from "../functions/app";
import { durableObjectBackend, upstashBackend, type RateLimitBackend } from "../functions/platform/rate-limit/backends";
import type { Policy } from "../functions/platform/rate-limit/policies";
import { awayFromWindowBoundary, BASE, randomIp } from "./helpers";

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
