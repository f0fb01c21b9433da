import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis/cloudflare";
import type { Algorithm, LimitResult, Window } from "./algorithms";
import { countRead } from "./deferred-reads";
import { shardName } from "./shards";
import type { Policy } from "./policies";

export interface LimitOutcome extends LimitResult {
  /** Work to hand to waitUntil (Upstash analytics and cache sync). */
  pending?: Promise<unknown>;
}

export interface RateLimitBackend {
  readonly name: "upstash" | "durable-object";
  /** `read`: the request would fail open (a read under an "open" or "open-for-reads" policy). */
  limit(policy: Policy, identifier: string, read?: boolean): Promise<LimitOutcome>;
}

/** The backend said nothing in time, or failed: the policy's fail mode decides. */
export class BackendUnavailable extends Error {}

const BACKEND_TIMEOUT_MS = 1000;

/**
 * Denials are remembered in the isolate until their reset, so a caller hammering past its
 * limit costs no backend round trip (Upstash's ephemeralCache does the same on its side).
 */
const blocked = new Map<string, number>();

function cachedDenial(key: string, limit: number, now: number): LimitOutcome | null {
  const until = blocked.get(key);
  if (until === undefined) return null;
  if (until > now) return { success: false, limit, remaining: 0, reset: until };
  blocked.delete(key);
  return null;
}

/**
 * Window permits (fixed or sliding) leased from the limiter object and spent in the isolate, so
 * a busy caller pays one object round trip per lease instead of per request. A lease starts at
 * one permit and doubles while the caller keeps coming back in the same window, up to an eighth
 * of the limit (at most 8): an idle caller reserves nothing it does not use. A lease ends with
 * its window. Token buckets are decided per request.
 */
const leases = new Map<string, { bucket: number; permits: number; remaining: number; want: number }>();
const MAX_LEASE = 8;
const LEASES_MAX = 50_000;

async function leased(
  key: string,
  a: Window,
  now: number,
  call: (want: number) => Promise<LimitResult & { granted: number }>,
): Promise<LimitResult> {
  const bucket = Math.floor(now / a.windowMs);
  const reset = (bucket + 1) * a.windowMs;
  const lease = leases.get(key);
  const current = lease?.bucket === bucket ? lease : undefined;
  if (current && current.permits > 0) {
    current.permits--;
    return { success: true, limit: a.limit, remaining: current.remaining + current.permits, reset };
  }
  const want = current ? Math.min(current.want * 2, MAX_LEASE, Math.max(1, Math.floor(a.limit / 8))) : 1;
  const r = await call(want);
  if (r.granted === 0) {
    leases.delete(key);
    return { success: false, limit: a.limit, remaining: 0, reset: r.reset };
  }
  if (leases.size >= LEASES_MAX) leases.delete(leases.keys().next().value!);
  leases.set(key, { bucket, permits: r.granted - 1, remaining: r.remaining, want });
  return { success: true, limit: a.limit, remaining: r.remaining + r.granted - 1, reset: r.reset };
}

export function durableObjectBackend(
  namespace: DurableObjectNamespace<import("../../../durable-objects/rate-limiter").RateLimiter>,
): RateLimitBackend {
  return {
    name: "durable-object",
    async limit(policy, identifier, read = false) {
      if (read && policy.algorithm.kind === "fixed") return countRead(namespace, policy, policy.algorithm, identifier);
      const key = `${policy.id}:${identifier}`;
      const limit = policy.algorithm.kind === "token" ? policy.algorithm.maxTokens : policy.algorithm.limit;
      const denial = cachedDenial(key, limit, Date.now());
      if (denial) return denial;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new BackendUnavailable("rate limiter timed out")), BACKEND_TIMEOUT_MS);
      });
      try {
        const stub = namespace.getByName(shardName(policy.id, identifier));
        const algorithm = policy.algorithm;
        const decide =
          algorithm.kind !== "token"
            ? leased(key, algorithm, Date.now(), (want) => stub.lease(identifier, algorithm, want))
            : stub.limit(identifier, algorithm);
        const result = await Promise.race([decide, timeout]);
        if (!result.success) blocked.set(key, result.reset);
        return result;
      } catch (err) {
        throw err instanceof BackendUnavailable ? err : new BackendUnavailable(err instanceof Error ? err.message : String(err));
      } finally {
        if (timer !== undefined) clearTimeout(timer);
      }
    },
  };
}

const upstashCache = new Map<string, number>();
const upstashLimiters = new Map<string, Ratelimit>();

function upstashLimiter(redis: Redis, policy: Policy, url: string): Ratelimit {
  const cacheKey = `${url}\u0000${policy.id}`;
  let limiter = upstashLimiters.get(cacheKey);
  if (!limiter) {
    limiter = new Ratelimit({
      redis,
      limiter: toUpstash(policy.algorithm),
      prefix: `vigil:rl:${policy.id}`,
      ephemeralCache: upstashCache,
      timeout: BACKEND_TIMEOUT_MS,
      analytics: false,
    });
    upstashLimiters.set(cacheKey, limiter);
  }
  return limiter;
}

function toUpstash(a: Algorithm) {
  if (a.kind === "fixed") return Ratelimit.fixedWindow(a.limit, `${a.windowMs} ms`);
  if (a.kind === "sliding") return Ratelimit.slidingWindow(a.limit, `${a.windowMs} ms`);
  return Ratelimit.tokenBucket(a.refillRate, `${a.intervalMs} ms`, a.maxTokens);
}

export function upstashBackend(url: string, token: string): RateLimitBackend {
  const redis = new Redis({ url, token, retry: false });
  return {
    name: "upstash",
    async limit(policy, identifier) {
      let result;
      try {
        result = await upstashLimiter(redis, policy, url).limit(identifier);
      } catch (err) {
        throw new BackendUnavailable(err instanceof Error ? err.message : String(err));
      }
      // The library answers "allowed" on its own timeout; that is our fail-mode decision to make.
      if (result.reason === "timeout") throw new BackendUnavailable("Upstash timed out");
      return {
        success: result.success,
        limit: result.limit,
        remaining: result.remaining,
        reset: result.reset,
        pending: result.pending,
      };
    },
  };
}

const upstashBackends = new Map<string, RateLimitBackend>();
const embeddedBackends = new WeakMap<object, RateLimitBackend>();

/** Upstash whenever it is configured; otherwise the embedded Durable Object limiter. One of each per isolate. */
export function backendFor(env: Env): RateLimitBackend {
  const { UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: token } = env;
  if (url && token) {
    const key = `${url}\u0000${token}`;
    let backend = upstashBackends.get(key);
    if (!backend) upstashBackends.set(key, (backend = upstashBackend(url, token)));
    return backend;
  }
  let backend = embeddedBackends.get(env.RATE_LIMITER);
  if (!backend) embeddedBackends.set(env.RATE_LIMITER, (backend = durableObjectBackend(env.RATE_LIMITER)));
  return backend;
}
