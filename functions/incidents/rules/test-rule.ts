import { sql } from "drizzle-orm";
import type { Database } from "../../platform/db";
import { ApiError } from "../../platform/errors";
import { isoTime } from "../../platform/time";
import { describeLeaf, leaves } from "./condition";
import { compileSql } from "./compile-sql";
import { DEFAULT_THRESHOLDS, DEFAULT_WINDOW_S, thresholdsHold } from "./thresholds";
import { evaluate, fieldOf } from "./match";
import { ruleCondition, type Rule } from "./store";

/** Per sample record: whether it matched, and which leaf conditions held for it. */
export function testSamples(rule: Rule, records: Record<string, unknown>[]) {
  const condition = ruleCondition(rule);
  const results = records.map((record, index) => {
    const seen = new Map();
    const matched = evaluate(condition, record, seen) === true;
    return {
      index,
      matched,
      conditions: leaves(condition).map((l) => ({ condition: describeLeaf(l), matched: seen.get(l) === true })),
    };
  });
  const matchedCount = results.filter((r) => r.matched).length;
  const thresholds = rule.conditions.thresholds ?? [];
  return {
    results,
    matched_count: matchedCount,
    // Samples carry no times: they are taken as arriving within one window.
    thresholds: {
      time_window: rule.conditions.time_window ?? DEFAULT_WINDOW_S,
      would_fire: matchedCount > 0 && thresholdsHold(thresholds, matchedCount),
    },
  };
}

const BACKTEST = /^(\d{1,3})(m|h|d)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MAX_BACKTEST_MS = 7 * 86_400_000;
const MAX_BACKTEST_ROWS = 10_000;

export function backtestSpan(text: string): number {
  const m = BACKTEST.exec(text);
  const ms = m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : NaN;
  if (!(ms > 0 && ms <= MAX_BACKTEST_MS))
    throw new ApiError("invalid_request", "backtest must be <n>m|h|d, at most 7d", { field: "backtest" });
  return ms;
}

/** Counts how often the rule would have fired over the matches, with evaluation's once-per-window rule. */
function firingsOver(rule: Rule, matches: { at: number; group: string }[]) {
  const windowMs = (rule.conditions.time_window ?? DEFAULT_WINDOW_S) * 1000;
  const thresholds = rule.conditions.thresholds ?? DEFAULT_THRESHOLDS;
  const byGroup = new Map<string, number[]>();
  for (const m of matches) byGroup.set(m.group, [...(byGroup.get(m.group) ?? []), m.at]);
  let firings = 0;
  let maxInWindow = 0;
  for (const times of byGroup.values()) {
    let start = 0;
    let lastFired = -Infinity;
    times.forEach((at, i) => {
      while (times[start]! <= at - windowMs) start++;
      const n = i - start + 1;
      maxInWindow = Math.max(maxInWindow, n);
      if (thresholdsHold(thresholds, n) && lastFired <= at - windowMs) {
        firings++;
        lastFired = at;
      }
    });
  }
  return { firings, max_in_window: maxInWindow };
}

/** The rule's compiled SQL over the tenant's stored logs: what it would have matched, and fired. */
export async function backtest(db: Database, rule: Rule, spanMs: number) {
  const { where, params } = compileSql(ruleCondition(rule));
  const since = Date.now() - spanMs;
  // The compiled predicate's placeholders, bound through drizzle's own parameters.
  const fragments = where.split("?").flatMap((part, i) => (i === 0 ? [sql.raw(part)] : [sql`${params[i - 1]}`, sql.raw(part)]));
  const rows = await db.all<{ id: number; received_at: number; payload: string }>(
    sql`SELECT id, received_at, payload FROM logs WHERE tenant_id = ${rule.tenantId} AND received_at >= ${since} AND ${sql.join(fragments, sql``)} ORDER BY received_at, id LIMIT ${MAX_BACKTEST_ROWS + 1}`,
  );
  const truncated = rows.length > MAX_BACKTEST_ROWS;
  const kept = rows.slice(0, MAX_BACKTEST_ROWS);
  const groupPath = rule.conditions.group_by?.split(".");
  const matches = kept.map((r) => {
    const record = JSON.parse(r.payload) as Record<string, unknown>;
    return { id: r.id, at: r.received_at, record, group: groupPath ? String(fieldOf(record, groupPath) ?? "") : "" };
  });
  return {
    since: isoTime(since),
    matched: matches.length,
    truncated,
    ...firingsOver(rule, matches),
    sample: matches.slice(0, 20).map((m) => ({ log_id: m.id, received_at: isoTime(m.at), record: m.record })),
  };
}
