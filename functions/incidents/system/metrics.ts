import { and, count, eq, gte, sql } from "drizzle-orm";
import {
  apiMetrics,
  INCIDENT_SEVERITIES,
  INCIDENT_STATUSES,
  incidents,
  type IncidentSeverity,
  type IncidentStatus,
} from "../../../schema";
import type { Database } from "../../platform/db";

export const PERIODS = { "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 } as const;
export type Period = keyof typeof PERIODS;

export const METRIC_GROUPS = ["incidents", "performance", "api"] as const;
export type MetricGroup = (typeof METRIC_GROUPS)[number];

/** Timeline events that end the analysis and remediation intervals (first occurrence counts). */
export const ANALYSIS_DONE_EVENT = "Analysis completed";
export const REMEDIATION_DONE_EVENT = "Remediation executed";

const MINUTE_MS = 60_000;

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

export interface IncidentTotals {
  total: number;
  by_severity: Record<IncidentSeverity, number>;
  by_status: Record<IncidentStatus, number>;
}

/** Incidents the tenant opened in the window, counted by severity and status in one grouped read. */
export async function incidentTotals(db: Database, tenantId: string, since: number): Promise<IncidentTotals> {
  const rows = await db
    .select({ severity: incidents.severity, status: incidents.status, n: count() })
    .from(incidents)
    .where(and(eq(incidents.tenantId, tenantId), gte(incidents.createdAt, since)))
    .groupBy(incidents.severity, incidents.status);
  const bySeverity = Object.fromEntries(INCIDENT_SEVERITIES.map((s) => [s, 0])) as Record<IncidentSeverity, number>;
  const byStatus = Object.fromEntries(INCIDENT_STATUSES.map((s) => [s, 0])) as Record<IncidentStatus, number>;
  let total = 0;
  for (const { severity, status, n } of rows) {
    total += n;
    if (severity in bySeverity) bySeverity[severity] += n;
    if (status in byStatus) byStatus[status] += n;
  }
  return { total, by_severity: bySeverity, by_status: byStatus };
}

export interface Performance {
  avg_detection_time: number | null;
  avg_analysis_time: number | null;
  avg_remediation_time: number | null;
}

/** An ISO timestamp in the incident's metadata as epoch ms, or NULL when absent, not text or unparseable. */
const metadataTime = (field: string) =>
  sql.raw(
    `CASE WHEN json_type(p.metadata, '$.${field}') = 'text' ` +
      `THEN (julianday(json_extract(p.metadata, '$.${field}')) - 2440587.5) * 86400000.0 END`,
  );

/**
 * Mean minutes, over the tenant's incidents opened in the window:
 * - detection: from the first matching log (`metadata.first_match_at`, set on rule-opened
 *   incidents) or the reporter's `metadata.detected_at` to the incident's creation; incidents
 *   with neither, or with a time after creation, are left out;
 * - analysis and remediation: from creation to the first "Analysis completed" and "Remediation
 *   executed" timeline entries; incidents without one are left out.
 * One statement: the window's incidents through (tenant_id, created_at), and only their timeline
 * entries with those two events, grouped once per incident.
 */
export async function performance(db: Database, tenantId: string, since: number): Promise<Performance> {
  const [row] = await db.all<{ detection: number | null; analysis: number | null; remediation: number | null }>(sql`
    WITH p AS (
      SELECT id, created_at, metadata FROM incidents WHERE tenant_id = ${tenantId} AND created_at >= ${since}
    ),
    t AS (
      SELECT incident_id,
        MIN(CASE WHEN event = ${ANALYSIS_DONE_EVENT} THEN at END) AS analysed_at,
        MIN(CASE WHEN event = ${REMEDIATION_DONE_EVENT} THEN at END) AS remediated_at
      FROM incident_timeline
      WHERE incident_id IN (SELECT id FROM p) AND event IN (${ANALYSIS_DONE_EVENT}, ${REMEDIATION_DONE_EVENT})
      GROUP BY incident_id
    ),
    d AS (
      SELECT p.created_at, COALESCE(${metadataTime("first_match_at")}, ${metadataTime("detected_at")}) AS detected_at,
        t.analysed_at, t.remediated_at
      FROM p LEFT JOIN t ON t.incident_id = p.id
    )
    SELECT
      AVG(CASE WHEN detected_at <= created_at THEN created_at - detected_at END) AS detection,
      AVG(analysed_at - created_at) AS analysis,
      AVG(remediated_at - created_at) AS remediation
    FROM d`);
  const minutes = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : round(ms / MINUTE_MS, 2));
  return {
    avg_detection_time: minutes(row?.detection),
    avg_analysis_time: minutes(row?.analysis),
    avg_remediation_time: minutes(row?.remediation),
  };
}

export interface ApiFigures {
  requests_per_minute: number;
  error_rate: number;
  client_error_rate: number;
  avg_response_time: number;
}

/** The tenant's counted requests (see platform/api-metrics.ts) in the minutes the window touches. */
export async function apiFigures(db: Database, tenantId: string, since: number, periodMs: number): Promise<ApiFigures> {
  const fromMinute = since - (since % MINUTE_MS);
  const [row] = await db
    .select({
      requests: sql<number>`COALESCE(SUM(${apiMetrics.requests}), 0)`,
      clientErrors: sql<number>`COALESCE(SUM(${apiMetrics.clientErrors}), 0)`,
      serverErrors: sql<number>`COALESCE(SUM(${apiMetrics.serverErrors}), 0)`,
      totalMs: sql<number>`COALESCE(SUM(${apiMetrics.totalMs}), 0)`,
    })
    .from(apiMetrics)
    .where(and(eq(apiMetrics.tenantId, tenantId), gte(apiMetrics.minute, fromMinute)));
  const requests = Number(row?.requests ?? 0);
  const rate = (n: number) => (requests ? round(Number(n) / requests, 4) : 0);
  return {
    requests_per_minute: round(requests / (periodMs / MINUTE_MS), 4),
    error_rate: rate(row?.serverErrors ?? 0),
    client_error_rate: rate(row?.clientErrors ?? 0),
    avg_response_time: requests ? round(Number(row?.totalMs ?? 0) / requests, 1) : 0,
  };
}

export interface SystemMetrics {
  metrics: { incidents?: IncidentTotals; performance?: Performance; api?: ApiFigures };
  period: Period;
  generated_at: string;
}

export async function systemMetrics(
  db: Database,
  tenantId: string,
  period: Period,
  groups: readonly MetricGroup[],
  now = Date.now(),
): Promise<SystemMetrics> {
  const periodMs = PERIODS[period];
  const since = now - periodMs;
  const wanted = new Set(groups.length ? groups : METRIC_GROUPS);
  const [totals, perf, api] = await Promise.all([
    wanted.has("incidents") ? incidentTotals(db, tenantId, since) : undefined,
    wanted.has("performance") ? performance(db, tenantId, since) : undefined,
    wanted.has("api") ? apiFigures(db, tenantId, since, periodMs) : undefined,
  ]);
  return {
    metrics: {
      ...(totals && { incidents: totals }),
      ...(perf && { performance: perf }),
      ...(api && { api }),
    },
    period,
    generated_at: new Date(now).toISOString(),
  };
}
