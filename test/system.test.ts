import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import worker from "../functions/index";
import { HEALTH_PROBE_JOB } from "../functions/incidents/system/health";
import { countRequest, flushApiMetrics, pruneApiMetrics } from "../functions/platform/api-metrics";
import { database } from "../functions/platform/db";
import { consumeBatch, jobMessage } from "../functions/platform/jobs";
import { createLogger } from "../functions/platform/log";
import { apiMetrics, incidents, incidentTimeline, SEVERITY_RANK, type IncidentSeverity } from "../schema";
import { BASE, call, createApiKey, createTenant, postJson, randomIp } from "./helpers";

type Envelope<T> = { success: boolean; data: T };
type Health = {
  status: string;
  agents: Record<string, string>;
  services: Record<string, string>;
  checks: Record<string, { ok: boolean; ms: number }>;
  timestamp: string;
};
type Metrics = {
  metrics: {
    incidents?: { total: number; by_severity: Record<string, number>; by_status: Record<string, number> };
    performance?: Record<string, number | null>;
    api?: { requests_per_minute: number; error_rate: number; client_error_rate: number; avg_response_time: number };
  };
  period: string;
  generated_at: string;
};

const db = database(env.DB);
const MIN = 60_000;

/** The Worker's fetch with a changed environment (a dependency made to fail). */
function callWith(envOverride: Env, path: string, headers: Record<string, string>) {
  const req = new Request(new URL(path, BASE), { headers: { "CF-Connecting-IP": randomIp(), ...headers } });
  return worker.fetch(req, envOverride, createExecutionContext());
}

/** env.DB, except that statements whose SQL matches `failing` throw as if D1 were unreachable. */
function failingDb(failing: (query: string) => boolean): D1Database {
  return new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "prepare")
        return (query: string) => {
          if (failing(query)) throw new Error("D1_ERROR: simulated outage");
          return target.prepare(query);
        };
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function readKey(name: string) {
  const tenantId = await createTenant(name);
  const { key } = await createApiKey(tenantId, { name: "ops", scopes: ["read", "write"] });
  return { tenantId, headers: { "X-API-Key": key } };
}

const getMetrics = async (headers: Record<string, string>, query = "") => {
  const res = await call(`/api/v1/system/metrics${query}`, { headers });
  expect(res.status).toBe(200);
  return ((await res.json()) as Envelope<Metrics>).data;
};

let seq = 0;
async function insertIncident(
  tenantId: string,
  severity: IncidentSeverity,
  createdAt: number,
  metadata: Record<string, unknown> = {},
) {
  const id = `inc_sys_${Date.now()}_${seq++}`;
  await db.insert(incidents).values({
    id,
    tenantId,
    number: `SYS-${seq}`,
    type: "custom_alert",
    severity,
    severityRank: SEVERITY_RANK[severity],
    status: "OPEN",
    affectedResources: [],
    metadata,
    createdAt,
    updatedAt: createdAt,
  });
  return id;
}

const timeline = (tenantId: string, incidentId: string, event: string, at: number) =>
  db.insert(incidentTimeline).values({ tenantId, incidentId, event, at, agent: "test", details: "" });

afterEach(() => vi.restoreAllMocks());

describe("system endpoints require credentials", () => {
  it("answer 401 without them", async () => {
    for (const path of ["/api/v1/system/health", "/api/v1/system/metrics"]) {
      const res = await call(path);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { success: boolean }).success).toBe(false);
    }
  });
});

describe("system endpoints are documented", () => {
  it("in /openapi.json, with the metrics query and the units", async () => {
    const doc = (await (await call("/openapi.json")).json()) as {
      paths: Record<string, { get?: { operationId: string; description?: string; parameters?: { name: string }[] } }>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.paths["/api/v1/system/health"]?.get?.operationId).toBe("incidentsSystemHealth");
    const metrics = doc.paths["/api/v1/system/metrics"]?.get;
    expect(metrics?.operationId).toBe("incidentsSystemMetrics");
    expect(metrics?.parameters?.map((p) => p.name).sort()).toEqual(["metrics", "period"]);
    expect(metrics?.description).toContain("minutes");
    expect(JSON.stringify(doc.components.schemas.SystemMetrics)).toContain("Minutes from");
  });
});

describe("GET /api/v1/system/health", () => {
  let headers: Record<string, string>;
  beforeAll(async () => {
    ({ headers } = await readKey("system-health"));
  });

  it("is healthy when every dependency answers, in the seed's shape", async () => {
    const res = await call("/api/v1/system/health", { headers });
    expect(res.status).toBe(200);
    const { success, data } = (await res.json()) as Envelope<Health>;
    expect(success).toBe(true);
    expect(data.status).toBe("healthy");
    expect(data.agents).toEqual({
      detection: "active",
      analysis: "active",
      remediation: "active",
      communication: "active",
      orchestrator: "active",
    });
    expect(data.services).toEqual({
      d1: "connected",
      durable_objects: "connected",
      events_queue: "connected",
      webhooks_queue: "connected",
      rate_limiter: "connected",
    });
    for (const check of Object.values(data.checks)) expect(check).toEqual({ ok: true, ms: expect.any(Number) });
    expect(Date.parse(data.timestamp)).not.toBeNaN();
  });

  it("is healthy against a live Upstash backend", async ({ skip }) => {
    if (!env.TEST_UPSTASH_URL) return skip("redis-server not installed");
    const upstash = { ...env, UPSTASH_REDIS_REST_URL: env.TEST_UPSTASH_URL, UPSTASH_REDIS_REST_TOKEN: env.TEST_UPSTASH_TOKEN };
    const { data } = (await (await callWith(upstash, "/api/v1/system/health", headers)).json()) as Envelope<Health>;
    expect(data.status).toBe("healthy");
    expect(data.services.rate_limiter).toBe("connected");
  });

  it("is degraded, naming the rate limiter, when the Upstash backend is unreachable", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void lines.push(String(line)));
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const down = { ...env, UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9", UPSTASH_REDIS_REST_TOKEN: "x" };
    const res = await callWith(down, "/api/v1/system/health", headers);
    expect(res.status).toBe(200);
    const text = await res.text();
    const { data } = JSON.parse(text) as Envelope<Health>;
    expect(data.status).toBe("degraded");
    expect(data.services).toMatchObject({ rate_limiter: "disconnected", d1: "connected", events_queue: "connected" });
    expect(data.checks.rate_limiter?.ok).toBe(false);
    expect(data.agents).toEqual({
      detection: "active",
      analysis: "active",
      remediation: "active",
      communication: "active",
      orchestrator: "degraded",
    });
    expect(text).not.toContain("127.0.0.1");
    expect(lines.some((l) => l.includes("health check failed") && l.includes("rate_limiter"))).toBe(true);
  });

  it("is unhealthy (still 200, so clients read it) when D1 fails", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const res = await callWith({ ...env, DB: failingDb((q) => q === "SELECT 1 AS one") }, "/api/v1/system/health", headers);
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as Envelope<Health>;
    expect(data.status).toBe("unhealthy");
    expect(data.services.d1).toBe("disconnected");
    expect(data.services.durable_objects).toBe("connected");
    expect(data.agents).toEqual({
      detection: "degraded",
      analysis: "degraded",
      remediation: "degraded",
      communication: "degraded",
      orchestrator: "active",
    });
  });

  it("acknowledges its queue probes without dead-lettering them", async () => {
    const ack = vi.fn();
    const retry = vi.fn();
    const message = { id: "probe-1", attempts: 1, body: jobMessage(HEALTH_PROBE_JOB, null, {}), ack, retry };
    const batch = { queue: "vigil-events", messages: [message] } as unknown as MessageBatch<unknown>;
    await consumeBatch(batch, env, createLogger("warn"));
    expect(ack).toHaveBeenCalledOnce();
    expect(retry).not.toHaveBeenCalled();
  });
});

describe("GET /api/v1/system/metrics: incidents", () => {
  it("counts the tenant's incidents by severity and status, all keys present, other tenants apart", async () => {
    const a = await readKey("system-metrics-a");
    const b = await readKey("system-metrics-b");
    const opened: string[] = [];
    for (const severity of ["CRITICAL", "HIGH", "HIGH", "LOW"]) {
      const res = await postJson("/api/v1/incidents", { type: "custom_alert", severity }, a.headers);
      expect(res.status).toBe(201);
      opened.push(((await res.json()) as Envelope<{ incident: { id: string } }>).data.incident.id);
    }
    const moved = await call(`/api/v1/incidents/${opened[0]}`, {
      method: "PUT",
      headers: { "Content-Type": "application/json", ...a.headers },
      body: JSON.stringify({ status: "INVESTIGATING" }),
    });
    expect(moved.status).toBe(200);
    expect((await postJson("/api/v1/incidents", { type: "custom_alert", severity: "MEDIUM" }, b.headers)).status).toBe(201);

    const mine = await getMetrics(a.headers, "?period=24h");
    expect(mine.period).toBe("24h");
    expect(Date.parse(mine.generated_at)).not.toBeNaN();
    expect(mine.metrics.incidents).toEqual({
      total: 4,
      by_severity: { CRITICAL: 1, HIGH: 2, MEDIUM: 0, LOW: 1 },
      by_status: { OPEN: 3, INVESTIGATING: 1, REMEDIATING: 0, RESOLVED: 0, FALSE_POSITIVE: 0 },
    });
    expect(Object.keys(mine.metrics).sort()).toEqual(["api", "incidents", "performance"]);
    const theirs = await getMetrics(b.headers);
    expect(theirs.period).toBe("24h");
    expect(theirs.metrics.incidents?.total).toBe(1);
    expect(theirs.metrics.incidents?.by_severity.MEDIUM).toBe(1);
  });

  it("counts only incidents opened within the period", async () => {
    const { tenantId, headers } = await readKey("system-metrics-period");
    const now = Date.now();
    await insertIncident(tenantId, "HIGH", now - 2 * 86_400_000);
    await insertIncident(tenantId, "LOW", now - 10 * MIN);
    const total = async (period: string) =>
      (await getMetrics(headers, `?period=${period}&metrics=incidents`)).metrics.incidents?.total;
    expect(await total("1h")).toBe(1);
    expect(await total("24h")).toBe(1);
    expect(await total("7d")).toBe(2);
    expect(await total("30d")).toBe(2);
  });

  it("refuses an unknown period or metric group with 400", async () => {
    const { headers } = await readKey("system-metrics-bad");
    for (const query of ["?period=2h", "?metrics=incidents,latency"]) {
      const res = await call(`/api/v1/system/metrics${query}`, { headers });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("INVALID_REQUEST");
    }
  });

  it("returns only the groups asked for, repeated or comma-separated", async () => {
    const { headers } = await readKey("system-metrics-groups");
    const repeated = await getMetrics(headers, "?metrics=incidents&metrics=api");
    expect(Object.keys(repeated.metrics).sort()).toEqual(["api", "incidents"]);
    const listed = await getMetrics(headers, "?metrics=performance,api");
    expect(Object.keys(listed.metrics).sort()).toEqual(["api", "performance"]);
  });
});

describe("GET /api/v1/system/metrics: performance", () => {
  it("averages detection, analysis and remediation minutes from metadata and timelines", async () => {
    const { tenantId, headers } = await readKey("system-metrics-perf");
    const empty = await getMetrics(headers, "?metrics=performance");
    expect(empty.metrics.performance).toEqual({ avg_detection_time: null, avg_analysis_time: null, avg_remediation_time: null });

    const t0 = Date.now() - 30 * MIN;
    const first = await insertIncident(tenantId, "HIGH", t0, { first_match_at: new Date(t0 - 3 * MIN).toISOString() });
    await timeline(tenantId, first, "Incident created", t0);
    await timeline(tenantId, first, "Analysis completed", t0 + 6 * MIN);
    await timeline(tenantId, first, "Remediation executed", t0 + 15 * MIN);
    await timeline(tenantId, first, "Analysis completed", t0 + 20 * MIN);
    const second = await insertIncident(tenantId, "LOW", t0 + MIN, { detected_at: new Date(t0 - 4 * MIN).toISOString() });
    await timeline(tenantId, second, "Analysis completed", t0 + 9 * MIN);
    await timeline(tenantId, second, "Analysis completed (partial)", t0 + 2 * MIN);
    // Neither a usable detection time nor any measured event: left out of every mean.
    await insertIncident(tenantId, "MEDIUM", t0 + 2 * MIN, { first_match_at: 12345 });
    await insertIncident(tenantId, "MEDIUM", t0 + 3 * MIN, { detected_at: "not a time" });
    // Outside the period.
    const old = await insertIncident(tenantId, "LOW", Date.now() - 3 * 86_400_000, {
      first_match_at: new Date(Date.now() - 4 * 86_400_000).toISOString(),
    });
    await timeline(tenantId, old, "Analysis completed", Date.now() - 2 * 86_400_000);

    const { performance } = (await getMetrics(headers, "?period=24h&metrics=performance")).metrics;
    expect(performance).toEqual({ avg_detection_time: 4, avg_analysis_time: 7, avg_remediation_time: 15 });
  });
});

describe("GET /api/v1/system/metrics: api", () => {
  it("reports the tenant's request rate, error rates and mean response time from the counters", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const { headers } = await readKey("system-metrics-api");
    const other = await readKey("system-metrics-api-other");
    for (let i = 0; i < 3; i++) expect((await call("/api/v1/incidents", { headers })).status).toBe(200);
    expect((await call("/api/v1/incidents/INC-1999-999", { headers })).status).toBe(404);
    expect((await call("/api/v1/incidents", { headers: other.headers })).status).toBe(200);
    // D1 fails for the incidents query only, after authentication: a 500 counted for the tenant.
    const broken = { ...env, DB: failingDb((q) => q.includes('from "incidents"')) };
    expect((await callWith(broken, "/api/v1/incidents", headers)).status).toBe(500);
    await flushApiMetrics(db);

    const { api } = (await getMetrics(headers, "?period=1h&metrics=api")).metrics;
    expect(api).toEqual({
      requests_per_minute: Math.round((5 / 60) * 10_000) / 10_000,
      error_rate: 0.2,
      client_error_rate: 0.2,
      avg_response_time: expect.any(Number),
    });
    expect(api!.avg_response_time).toBeGreaterThanOrEqual(0);
    const theirs = (await getMetrics(other.headers, "?period=1h&metrics=api")).metrics.api;
    expect(theirs?.error_rate).toBe(0);
    expect(theirs?.requests_per_minute).toBeCloseTo(1 / 60, 3);
  });

  it("adds to a minute's row across flushes instead of overwriting it", async () => {
    const tenantId = `ten_counter_${Date.now()}`;
    const minute = Date.now() - (Date.now() % MIN);
    countRequest(tenantId, 200, 10, minute + 1);
    countRequest(tenantId, 503, 30, minute + 2);
    await flushApiMetrics(db);
    countRequest(tenantId, 404, 20, minute + 3);
    await flushApiMetrics(db);
    const rows = await db.select().from(apiMetrics).where(eq(apiMetrics.tenantId, tenantId));
    expect(rows).toEqual([{ tenantId, minute, requests: 3, clientErrors: 1, serverErrors: 1, totalMs: 60 }]);
  });

  it("prunes rows older than the retention, keeping recent ones", async () => {
    const tenantId = `ten_prune_${Date.now()}`;
    const now = Date.now();
    const minuteOf = (ms: number) => ms - (ms % MIN);
    const cell = (minute: number) => ({ tenantId, minute, requests: 1, clientErrors: 0, serverErrors: 0, totalMs: 1 });
    await db
      .insert(apiMetrics)
      .values([cell(minuteOf(now - 40 * 86_400_000)), cell(minuteOf(now - 32 * 86_400_000)), cell(minuteOf(now - MIN))]);
    expect(await pruneApiMetrics(db, now)).toBeGreaterThanOrEqual(2);
    const left = await db
      .select({ minute: apiMetrics.minute })
      .from(apiMetrics)
      .where(and(eq(apiMetrics.tenantId, tenantId)));
    expect(left).toEqual([{ minute: minuteOf(now - MIN) }]);
  });
});
