import { sql } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import { apiMetrics } from "../../schema";
import { chunked, database, MAX_BOUND_PARAMS, type Database } from "./db";
import { describeError, type Logger } from "./log";
import type { AppEnv } from "./types";

/**
 * Request counters per tenant and minute (`api_metrics`), behind the incident-response seed's
 * `GET /api/v1/system/metrics` `api` block. Each isolate adds requests into a small in-memory
 * table; at most every FLUSH_INTERVAL_MS a request hands the table to `waitUntil`, which adds it
 * to D1 with one additive upsert per chunk, so isolates never overwrite each other's counts.
 * What D1 shows therefore trails by up to the interval, and the counts an isolate holds when it
 * is evicted before its next request are lost: these are operational figures, not billing.
 */

/** How often one isolate writes its counters. */
export const FLUSH_INTERVAL_MS = 10_000;
/** Most (tenant, minute) cells an isolate holds between writes; requests past it are not counted. */
export const MAX_PENDING_CELLS = 10_000;
/** Rows older than this are deleted by `pruneApiMetrics` (the longest metrics period is 30 days). */
export const API_METRICS_RETENTION_DAYS = 31;
/** The tenant column for requests that named no tenant (unauthenticated, or refused before authentication). */
export const NO_TENANT = "-";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const COLUMNS = 6;
const ROWS_PER_STATEMENT = Math.floor(MAX_BOUND_PARAMS / COLUMNS);
const PRUNE_BATCH = 500;
const PRUNE_MAX_BATCHES = 20;

interface Cell {
  tenantId: string;
  /** Start of the minute, epoch milliseconds. */
  minute: number;
  requests: number;
  clientErrors: number;
  serverErrors: number;
  totalMs: number;
}

let pending = new Map<string, Cell>();
let nextFlushAt = 0;
let inflight: Promise<number> | null = null;
let uncounted = 0;

/** Adds one finished request to this isolate's counters: a Map lookup and four additions. */
export function countRequest(tenantId: string, status: number, ms: number, at: number): void {
  const minute = at - (at % MINUTE_MS);
  const key = `${tenantId}\u0000${minute}`;
  let cell = pending.get(key);
  if (!cell) {
    if (pending.size >= MAX_PENDING_CELLS) {
      uncounted++;
      nextFlushAt = 0;
      return;
    }
    cell = { tenantId, minute, requests: 0, clientErrors: 0, serverErrors: 0, totalMs: 0 };
    pending.set(key, cell);
  }
  cell.requests++;
  if (status >= 500) cell.serverErrors++;
  else if (status >= 400) cell.clientErrors++;
  cell.totalMs += ms;
}

async function write(db: Database, cells: Cell[]): Promise<void> {
  const statements = chunked(cells, ROWS_PER_STATEMENT).map((part) =>
    db
      .insert(apiMetrics)
      .values(part)
      .onConflictDoUpdate({
        target: [apiMetrics.tenantId, apiMetrics.minute],
        set: {
          requests: sql`${apiMetrics.requests} + excluded.requests`,
          clientErrors: sql`${apiMetrics.clientErrors} + excluded.client_errors`,
          serverErrors: sql`${apiMetrics.serverErrors} + excluded.server_errors`,
          totalMs: sql`${apiMetrics.totalMs} + excluded.total_ms`,
        },
      }),
  );
  const [first, ...rest] = statements;
  // One batch is one transaction: either every cell is added or none is.
  if (first) await db.batch([first, ...rest]);
}

/** Puts cells whose write failed back, as far as there is room, so a brief D1 outage loses nothing. */
function restore(cells: Cell[]): void {
  for (const cell of cells) {
    const key = `${cell.tenantId}\u0000${cell.minute}`;
    const current = pending.get(key);
    if (current) {
      current.requests += cell.requests;
      current.clientErrors += cell.clientErrors;
      current.serverErrors += cell.serverErrors;
      current.totalMs += cell.totalMs;
    } else if (pending.size < MAX_PENDING_CELLS) pending.set(key, cell);
    else uncounted += cell.requests;
  }
}

async function flushPending(db: Database, log?: Logger): Promise<number> {
  const cells = [...pending.values()];
  pending = new Map();
  const dropped = uncounted;
  uncounted = 0;
  if (dropped) log?.warn("api metrics: requests not counted (too many tenants in one interval)", { requests: dropped });
  if (!cells.length) return 0;
  try {
    await write(db, cells);
    return cells.length;
  } catch (err) {
    restore(cells);
    throw err;
  }
}

/**
 * Writes this isolate's counters to D1 now, after any write already under way; returns how
 * many (tenant, minute) cells it wrote. Meant for tests and for work in the same invocation.
 */
export async function flushApiMetrics(db: Database, log?: Logger): Promise<number> {
  if (inflight) await inflight.catch(() => 0);
  return flushPending(db, log);
}

function flushInBackground(d1: D1Database, log: Logger | undefined): Promise<unknown> {
  const run = flushPending(database(d1), log);
  inflight = run;
  return run
    .catch((err) => log?.warn("api metrics flush failed; counts kept for the next one", { error: describeError(err) }))
    .finally(() => {
      if (inflight === run) inflight = null;
    });
}

/**
 * Counts every request under the authenticated principal's tenant (read after the route ran,
 * so it sees what authentication set) or `-`. The response is never held up: the write rides
 * on `waitUntil`, and a request without an execution context (in-process tests) only counts.
 */
export function apiMetricsMiddleware(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = Date.now();
    await next();
    const now = Date.now();
    countRequest(c.get("principal")?.tenantId ?? NO_TENANT, c.res.status, now - started, started);
    if (now < nextFlushAt || inflight || pending.size === 0) return;
    let ctx: typeof c.executionCtx;
    try {
      ctx = c.executionCtx;
    } catch {
      return;
    }
    nextFlushAt = now + FLUSH_INTERVAL_MS;
    ctx.waitUntil(flushInBackground(c.env.DB, c.get("log")));
  };
}

/**
 * Retention for `api_metrics`: deletes rows older than API_METRICS_RETENTION_DAYS in bounded
 * batches. The table's key is (tenant_id, minute), so each batch walks the distinct tenants
 * through that index (a loose index scan) and reads only each tenant's expired range, instead
 * of scanning every row for old minutes. Returns the number of rows deleted.
 */
export async function pruneApiMetrics(db: Database, now: number): Promise<number> {
  const before = now - API_METRICS_RETENTION_DAYS * DAY_MS;
  const statement = sql`
    WITH RECURSIVE tenant(id) AS (
      SELECT MIN(tenant_id) FROM api_metrics
      UNION ALL
      SELECT (SELECT MIN(tenant_id) FROM api_metrics WHERE tenant_id > tenant.id) FROM tenant WHERE tenant.id IS NOT NULL
    )
    DELETE FROM api_metrics WHERE rowid IN (
      SELECT m.rowid FROM tenant JOIN api_metrics m ON m.tenant_id = tenant.id AND m.minute < ${before}
      LIMIT ${PRUNE_BATCH}
    )`;
  let total = 0;
  for (let i = 0; i < PRUNE_MAX_BATCHES; i++) {
    const changed = (await db.run(statement)).meta.changes ?? 0;
    total += changed;
    if (changed < PRUNE_BATCH) break;
  }
  return total;
}
