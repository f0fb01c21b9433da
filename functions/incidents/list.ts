import { pagination } from "./pagination";
import { and, asc, count, desc, eq, gte, inArray, lt, sum, type SQL } from "drizzle-orm";
import { incidentCounts, incidents, type IncidentSeverity, type IncidentStatus } from "../../schema";
import type { Database } from "../platform/db";
import { ApiError } from "../platform/errors";

export const SORT_FIELDS = ["created_at", "severity", "updated_at"] as const;

export interface ListQuery {
  status?: IncidentStatus[];
  severity?: IncidentSeverity[];
  type?: string;
  start_date?: string;
  end_date?: string;
  created_after?: string;
  created_before?: string;
  sort: (typeof SORT_FIELDS)[number];
  order: "asc" | "desc";
  page: number;
  per_page: number;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/** An ISO 8601 date or date-time; a bare date means the start of that day (UTC). */
function instant(field: string, value: string): number {
  const ms = Date.parse(DATE_ONLY.test(value) ? `${value}T00:00:00Z` : value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms))
    throw new ApiError("invalid_request", `${field} must be an ISO 8601 date or date-time`, { field, value });
  return ms;
}

/**
 * The creation-time range: `start_date`/`created_after` from that instant on, `created_before`
 * up to (not including) its instant, `end_date` through the end of the day it names (or up to its
 * instant when it has a time).
 */
function createdRange(q: ListQuery): SQL[] {
  const where: SQL[] = [];
  for (const field of ["start_date", "created_after"] as const)
    if (q[field]) where.push(gte(incidents.createdAt, instant(field, q[field]!)));
  if (q.created_before) where.push(lt(incidents.createdAt, instant("created_before", q.created_before)));
  if (q.end_date) {
    const end = instant("end_date", q.end_date);
    where.push(lt(incidents.createdAt, DATE_ONLY.test(q.end_date) ? end + DAY_MS : end + 1));
  }
  return where;
}

const SORT_COLUMN = { created_at: incidents.createdAt, severity: incidents.severityRank, updated_at: incidents.updatedAt };

/** The page and the total for a query, unexecuted (the query-plan tests read their plans). */
export function incidentQueries(db: Database, tenantId: string, q: ListQuery) {
  const where = and(
    eq(incidents.tenantId, tenantId),
    q.status?.length ? inArray(incidents.status, q.status) : undefined,
    q.severity?.length ? inArray(incidents.severity, q.severity) : undefined,
    q.type ? eq(incidents.type, q.type) : undefined,
    ...createdRange(q),
  );
  const direction = q.order === "asc" ? asc : desc;
  // Ties are broken by creation time, then id, so pages never overlap or skip.
  const orderBy = [
    ...(q.sort === "created_at" ? [] : [direction(SORT_COLUMN[q.sort])]),
    direction(incidents.createdAt),
    direction(incidents.id),
  ];
  return {
    page: db
      .select()
      .from(incidents)
      .where(where)
      .orderBy(...orderBy)
      .limit(q.per_page)
      .offset((q.page - 1) * q.per_page),
    total: createdRange(q).length ? db.select({ n: count() }).from(incidents).where(where) : keptTotal(db, tenantId, q),
  };
}

/**
 * The total from the counts the triggers keep, for a query filtered only by status, severity
 * and type: summing a few dozen rows instead of counting up to every incident the tenant has.
 */
function keptTotal(db: Database, tenantId: string, q: ListQuery) {
  return db
    .select({ n: sum(incidentCounts.n).mapWith(Number) })
    .from(incidentCounts)
    .where(
      and(
        eq(incidentCounts.tenantId, tenantId),
        q.status?.length ? inArray(incidentCounts.status, q.status) : undefined,
        q.severity?.length ? inArray(incidentCounts.severity, q.severity) : undefined,
        q.type ? eq(incidentCounts.type, q.type) : undefined,
      ),
    );
}

export async function listIncidents(db: Database, tenantId: string, q: ListQuery) {
  const queries = incidentQueries(db, tenantId, q);
  const [rows, [total]] = await Promise.all([queries.page.all(), queries.total.all()]);
  return { rows, pagination: pagination(q.page, q.per_page, total?.n ?? 0) };
}
