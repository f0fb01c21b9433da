import { jobMessage, registerJob } from "../../platform/jobs";
import { timedCheck, type Check } from "../../platform/health";
import type { Logger } from "../../platform/log";

/**
 * The incident-response seed's system health: every dependency the response pipeline needs is
 * exercised for real, in parallel, each within CHECK_TIMEOUT_MS. Failure text goes to the log
 * only; the response names which part failed, never why.
 */

/** A queue probe's message kind; its handler acknowledges it and does nothing else. */
export const HEALTH_PROBE_JOB = "system.health_probe";
registerJob(HEALTH_PROBE_JOB, async () => undefined);

export const CHECK_TIMEOUT_MS = 2000;

export const SERVICES = ["d1", "durable_objects", "events_queue", "webhooks_queue", "rate_limiter"] as const;
export type Service = (typeof SERVICES)[number];

export const AGENTS = ["detection", "analysis", "remediation", "communication", "orchestrator"] as const;
export type Agent = (typeof AGENTS)[number];

/**
 * The seed's agents are stages of Vigil's pipeline; each is "active" when everything it runs on
 * answers:
 * - detection: rule evaluation, queued on EVENTS, reading logs and rules in D1;
 * - analysis: analysis jobs on EVENTS, writing their results to D1;
 * - remediation: actions recorded in D1, applied through the tenant and machine Durable Objects;
 * - communication: webhook deliveries on WEBHOOKS, notifications recorded in D1;
 * - orchestrator: live fan-out through the tenant Durable Objects, and the rate limiter every
 *   API call passes.
 */
export const AGENT_DEPENDENCIES: Record<Agent, readonly Service[]> = {
  detection: ["d1", "events_queue"],
  analysis: ["d1", "events_queue"],
  remediation: ["d1", "durable_objects"],
  communication: ["d1", "webhooks_queue"],
  orchestrator: ["durable_objects", "rate_limiter"],
};

export interface SystemHealth {
  status: "healthy" | "degraded" | "unhealthy";
  agents: Record<Agent, "active" | "degraded">;
  services: Record<Service, "connected" | "disconnected">;
  checks: Record<Service, Check>;
  timestamp: string;
}

/** Names the probe objects use; tenant objects are named by tenant id (`ten_…`), so these never collide. */
const PROBE_OBJECT = "system-health-probe";

/** Upstash's REST API runs a command posted as a JSON array; a live database answers PING with PONG. */
async function pingUpstash(url: string, token: string, signal: AbortSignal): Promise<void> {
  const res = await fetch(url, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify(["PING"]),
    signal,
  });
  const body = (await res.json().catch(() => null)) as { result?: unknown; error?: unknown } | null;
  if (!res.ok || body?.result !== "PONG") throw new Error(`Upstash answered ${res.status}: ${String(body?.error ?? "no PONG")}`);
}

/**
 * The backend the rate-limit middleware would use (see rate-limit/backends.ts): Upstash when it
 * is configured, else one decision by a RateLimiter object under a probe-only identifier.
 */
function rateLimiterCheck(env: Env) {
  const { UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: token } = env;
  if (url && token) return (signal: AbortSignal) => pingUpstash(url, token, signal);
  return () =>
    env.RATE_LIMITER.getByName(PROBE_OBJECT).limit("health-probe", { kind: "fixed", limit: 1_000_000_000, windowMs: 60_000 });
}

export async function checkHealth(env: Env, log: Logger): Promise<SystemHealth> {
  const probe = () => jobMessage(HEALTH_PROBE_JOB, null, {});
  const timed = (service: Service, run: (signal: AbortSignal) => Promise<unknown>) =>
    timedCheck(service, log, run, CHECK_TIMEOUT_MS);
  const results = await Promise.all([
    timed("d1", () => env.DB.prepare("SELECT 1 AS one").first()),
    timed("durable_objects", () =>
      Promise.all([env.TENANT_HUB.getByName(PROBE_OBJECT).probe(), env.MACHINE_STATE.getByName(PROBE_OBJECT).listDevices()]),
    ),
    timed("events_queue", () => env.EVENTS.send(probe())),
    timed("webhooks_queue", () => env.WEBHOOKS.send(probe())),
    timed("rate_limiter", rateLimiterCheck(env)),
  ]);
  const checks = Object.fromEntries(SERVICES.map((s, i) => [s, results[i]!])) as Record<Service, Check>;
  const services = Object.fromEntries(
    SERVICES.map((s) => [s, checks[s].ok ? "connected" : "disconnected"]),
  ) as SystemHealth["services"];
  const agents = Object.fromEntries(
    AGENTS.map((a) => [a, AGENT_DEPENDENCIES[a].every((s) => checks[s].ok) ? "active" : "degraded"]),
  ) as SystemHealth["agents"];
  // Without D1 nothing is recorded or served; any other part down leaves the rest working.
  const status = !checks.d1.ok ? "unhealthy" : results.every((r) => r.ok) ? "healthy" : "degraded";
  return { status, agents, services, checks, timestamp: new Date().toISOString() };
}
