import { sql } from "drizzle-orm";
import { apiFigures, PERIODS, type Period } from "../../incidents/system/metrics";
import { database, type Database } from "../../platform/db";
import { timedCheck } from "../../platform/health";
import type { Logger } from "../../platform/log";

/**
 * The quantum-defense seed's section 10: `GET /v3/health` (public) and `GET /v3/metrics/api`.
 *
 * Health is public, so it reports service-wide counts only and nothing about any one tenant.
 * Each answer is computed from D1 and kept for CACHE_MS in the isolate, so anonymous polling
 * costs at most a few queries every few seconds per isolate.
 */

/** The version of the API contract served under /v3. */
export const API_VERSION = "3.0.0";
export const CACHE_MS = 10_000;
/** The gateway figures cover the current minute and the five before it. */
const GATEWAY_WINDOW_MINUTES = 5;
/** Above this share of 5xx answers the gateway reports itself degraded. */
const DEGRADED_ERROR_RATE = 0.05;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

type Status = "healthy" | "degraded" | "unhealthy";

interface Counts {
  canaries: number;
  fragments: number;
  expired_last_hour: number;
}

interface Gateway {
  requests: number;
  server_errors: number;
  first_minute: number | null;
}

/** Unexpired active canaries, and fragments of active sets (the sets' due index serves both fragment sums). */
async function counts(db: Database, now: number): Promise<Counts> {
  const [row] = await db.all<Counts>(sql`
    SELECT
      (SELECT count(*) FROM canary_tokens WHERE status = 'active' AND expires_at > ${now}) AS canaries,
      (SELECT COALESCE(SUM(fragment_count), 0) FROM fragment_sets WHERE status = 'active' AND expires_at > ${now}) AS fragments,
      (SELECT COALESCE(SUM(fragment_count), 0) FROM fragment_sets
        WHERE status IN ('active', 'expired') AND expires_at > ${now - HOUR_MS} AND expires_at <= ${now}) AS expired_last_hour`);
  return {
    canaries: Number(row?.canaries ?? 0),
    fragments: Number(row?.fragments ?? 0),
    expired_last_hour: Number(row?.expired_last_hour ?? 0),
  };
}

/**
 * Every tenant's request counters since `since`, and the oldest counter kept. `api_metrics` is
 * keyed (tenant_id, minute), so the tenants are walked through that index (a loose index scan)
 * and only each one's recent range is read, never the whole table.
 */
async function gateway(db: Database, since: number): Promise<Gateway> {
  const [row] = await db.all<Gateway>(sql`
    WITH RECURSIVE tenant(id) AS (
      SELECT MIN(tenant_id) FROM api_metrics
      UNION ALL
      SELECT (SELECT MIN(tenant_id) FROM api_metrics WHERE tenant_id > tenant.id) FROM tenant WHERE tenant.id IS NOT NULL
    )
    SELECT
      (SELECT COALESCE(SUM(m.requests), 0) FROM tenant JOIN api_metrics m ON m.tenant_id = tenant.id AND m.minute >= ${since}) AS requests,
      (SELECT COALESCE(SUM(m.server_errors), 0) FROM tenant JOIN api_metrics m ON m.tenant_id = tenant.id AND m.minute >= ${since})
        AS server_errors,
      (SELECT MIN((SELECT MIN(minute) FROM api_metrics WHERE tenant_id = tenant.id)) FROM tenant WHERE tenant.id IS NOT NULL)
        AS first_minute`);
  return {
    requests: Number(row?.requests ?? 0),
    server_errors: Number(row?.server_errors ?? 0),
    first_minute: row?.first_minute === null || row?.first_minute === undefined ? null : Number(row.first_minute),
  };
}

/**
 * With n voters a round tolerates f = ⌊(n−1)/3⌋ faulty ones, so f/n stays below a third at any
 * size: the seed reports that bound as 0.33, a property of the protocol rather than of any tenant.
 */
const BYZANTINE_TOLERANCE = 0.33;

/**
 * Agents online across every tenant, from the registry's mirror of their live status (OFFLINE
 * agents are away, BYZANTINE ones no longer vote). It scans the (tenant_id, status) index, one
 * entry per registered agent: small, and the answer is cached with the rest.
 */
async function liveAgents(db: Database): Promise<number> {
  const [row] = await db.all<{ agents: number }>(
    sql`SELECT count(*) AS agents FROM consensus_agents WHERE status IN ('ACTIVE', 'IDLE', 'BUSY')`,
  );
  return Number(row?.agents ?? 0);
}

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

async function computeHealth(env: Env, log: Logger, now: number) {
  const db = database(env.DB);
  let c: Counts = { canaries: 0, fragments: 0, expired_last_hour: 0 };
  let g: Gateway = { requests: 0, server_errors: 0, first_minute: null };
  let agents = 0;
  const since = now - (now % MINUTE_MS) - GATEWAY_WINDOW_MINUTES * MINUTE_MS;
  const [store, metrics, registry] = await Promise.all([
    timedCheck("quantum_counts", log, async () => void (c = await counts(db, now)), 2000),
    timedCheck("api_metrics", log, async () => void (g = await gateway(db, since)), 2000),
    timedCheck("consensus_agents", log, async () => void (agents = await liveAgents(db)), 2000),
  ]);
  const errorRate = g.requests ? round(g.server_errors / g.requests, 4) : 0;
  const gatewayStatus: Status = !metrics.ok ? "unhealthy" : errorRate > DEGRADED_ERROR_RATE ? "degraded" : "healthy";
  const storeStatus: Status = store.ok ? "healthy" : "unhealthy";
  const registryStatus: Status = registry.ok ? "healthy" : "unhealthy";
  const status: Status = !store.ok || !metrics.ok || !registry.ok ? "unhealthy" : gatewayStatus;
  return {
    status,
    timestamp: new Date(now).toISOString(),
    components: {
      quantum_detection: { status: storeStatus, latency_ms: store.ms, active_canaries: c.canaries },
      byzantine_consensus: {
        status: registryStatus,
        agents,
        byzantine_tolerance: BYZANTINE_TOLERANCE,
      },
      temporal_fragmentation: { status: storeStatus, active_fragments: c.fragments, expiration_rate: c.expired_last_hour },
      api_gateway: {
        status: gatewayStatus,
        requests_per_second: round(g.requests / ((now - since) / 1000), 3),
        error_rate: errorRate,
      },
    },
    uptime_seconds: g.first_minute === null ? 0 : Math.max(0, Math.floor((now - g.first_minute) / 1000)),
    version: API_VERSION,
  };
}

export type QuantumHealth = Awaited<ReturnType<typeof computeHealth>>;

/** The resolved answer only: a promise from one request must not be awaited by another (Workers I/O isolation). */
let cached: { until: number; value: QuantumHealth } | null = null;

export async function quantumHealth(env: Env, log: Logger, now = Date.now()): Promise<QuantumHealth> {
  if (cached && now < cached.until) return cached.value;
  const value = await computeHealth(env, log, now);
  cached = { until: now + CACHE_MS, value };
  return value;
}

/** Forgets the cached answer (tests, and nothing else, need a fresh one at once). */
export function resetHealthCache(): void {
  cached = null;
}

/** The caller's tenant's API usage over a period, from the same counters /api/v1/system/metrics reads. */
export async function tenantApiMetrics(db: Database, tenantId: string, period: Period, now = Date.now()) {
  const periodMs = PERIODS[period];
  const f = await apiFigures(db, tenantId, now - periodMs, periodMs);
  return {
    period,
    requests_per_second: round(f.requests_per_minute / 60, 4),
    requests_per_minute: f.requests_per_minute,
    requests_total: Math.round(f.requests_per_minute * (periodMs / MINUTE_MS)),
    error_rate: f.error_rate,
    client_error_rate: f.client_error_rate,
    avg_latency_ms: f.avg_response_time,
    generated_at: new Date(now).toISOString(),
  };
}
