import type { Context, MiddlewareHandler } from "hono";
import { ApiError } from "../errors";
import type { AppEnv } from "../types";
import { capacity } from "./algorithms";
import { BackendUnavailable, backendFor, type LimitOutcome } from "./backends";
import type { Policy } from "./policies";

export interface RateLimitOptions {
  /** "ip" for credential endpoints (before anyone is authenticated); otherwise the principal, falling back to IP. */
  by?: "principal" | "ip";
}

type PolicySource = Policy | Policy[] | ((c: Context<AppEnv>) => Policy[]);

export const clientIp = (c: Context) => c.req.header("CF-Connecting-IP") ?? "unknown";

function identifier(c: Context<AppEnv>, by: RateLimitOptions["by"]): string {
  const p = c.get("principal");
  return by === "ip" || !p ? `ip:${clientIp(c)}` : `${p.tenantId}:${p.kind}:${p.id}`;
}

const failsClosed = (policy: Policy, method: string) =>
  policy.failMode === "closed" || (policy.failMode === "open-for-reads" && method !== "GET" && method !== "HEAD");

const windowSeconds = (policy: Policy) =>
  Math.round((policy.algorithm.kind === "token" ? policy.algorithm.intervalMs : policy.algorithm.windowMs) / 1000);

/** X-RateLimit-* (the seeds) and the IETF RateLimit-Policy / RateLimit fields, for the tightest policy. */
export function rateLimitHeaders(policies: Policy[], tightest: { policy: Policy; result: LimitOutcome }, now: number) {
  const secondsToReset = Math.max(0, Math.ceil((tightest.result.reset - now) / 1000));
  return {
    "X-RateLimit-Limit": String(tightest.result.limit),
    "X-RateLimit-Remaining": String(tightest.result.remaining),
    "X-RateLimit-Reset": String(Math.ceil(tightest.result.reset / 1000)),
    "RateLimit-Policy": policies.map((p) => `"${p.id}";q=${capacity(p.algorithm)};w=${windowSeconds(p)}`).join(", "),
    RateLimit: `"${tightest.policy.id}";r=${tightest.result.remaining};t=${secondsToReset}`,
  };
}

/**
 * Enforces one or more policies for the caller. Place it after `authenticate` for
 * per-principal limits. A denial is a 429 with Retry-After in the family's envelope; an
 * unreachable backend follows each policy's fail mode.
 */
export function rateLimit(source: PolicySource, opts: RateLimitOptions = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const policies = typeof source === "function" ? source(c) : Array.isArray(source) ? source : [source];
    const backend = backendFor(c.env);
    const id = identifier(c, opts.by);
    const outcomes = await Promise.all(
      policies.map(async (policy) => {
        try {
          return { policy, result: await backend.limit(policy, id, !failsClosed(policy, c.req.method)) };
        } catch (err) {
          if (!(err instanceof BackendUnavailable)) throw err;
          if (failsClosed(policy, c.req.method)) {
            c.get("log").error("rate limiter unavailable: failing closed", {
              backend: backend.name,
              policy: policy.id,
              error: err.message,
            });
            throw new ApiError("service_unavailable", "Rate limiting is temporarily unavailable; retry shortly", undefined, {
              "Retry-After": "5",
            });
          }
          c.get("log").warn("rate limiter unavailable: failing open", {
            backend: backend.name,
            policy: policy.id,
            error: err.message,
          });
          return null;
        }
      }),
    );
    const decided = outcomes.filter((o) => o !== null);
    for (const o of decided) if (o.result.pending) c.executionCtx.waitUntil(o.result.pending);
    if (!decided.length) return next();
    const denied = decided.find((o) => !o.result.success);
    const tightest = denied ?? decided.reduce((a, b) => (b.result.remaining < a.result.remaining ? b : a));
    const now = Date.now();
    const headers = rateLimitHeaders(policies, tightest, now);
    if (denied) {
      const retryAfter = String(Math.max(1, Math.ceil((denied.result.reset - now) / 1000)));
      throw new ApiError(
        "rate_limited",
        "Rate limit exceeded",
        { policy: denied.policy.id },
        { ...headers, "Retry-After": retryAfter },
      );
    }
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    await next();
  };
}
