import { and, asc, eq, sql, type SQL } from "drizzle-orm";
import { threatIndicators, type IndicatorKind } from "../../../schema";
import { chunked, type Database } from "../../platform/db";
import { notFound } from "../../platform/errors";
import { isoTime } from "../../platform/time";
import { pageOf } from "../pagination";
import { canonicalIndicator, invalid, MAX_CAMPAIGNS, mergeDuplicates, type IndicatorInput } from "./indicators";

/**
 * Rows travel as one JSON parameter (`json_each`), so a statement binds three values however many
 * rows it writes: D1's 100-parameter limit does not turn 10,000 indicators into 1,000 statements.
 */
const ROWS_PER_STATEMENT = 1000;

export type Indicator = typeof threatIndicators.$inferSelect;

/**
 * Inserts new indicators and merges re-imported ones: the latest import sets reputation, source
 * and validity; campaigns are the union of old and new (bounded); first_seen keeps the earliest.
 * Every statement runs in one D1 batch, so an import is applied whole or not at all.
 */
export async function upsertIndicators(db: Database, tenantId: string, input: IndicatorInput[], source: string) {
  const rows = mergeDuplicates(input);
  const now = Date.now();
  const t = threatIndicators;
  const statements = chunked(rows, ROWS_PER_STATEMENT).map((part) =>
    db
      .insert(t)
      .select(
        sql`SELECT ${tenantId}, json_extract(r.value, '$.kind'), json_extract(r.value, '$.value'),
          json_extract(r.value, '$.reputation'), json_extract(r.value, '$.campaigns'), ${source},
          json_extract(r.value, '$.firstSeen'), json_extract(r.value, '$.validUntil'), ${now}, ${now}
          FROM json_each(${JSON.stringify(part)}) AS r WHERE true`,
      )
      .onConflictDoUpdate({
        target: [t.tenantId, t.kind, t.value],
        set: {
          reputation: sql`excluded.reputation`,
          campaigns: sql`(SELECT json_group_array(c) FROM (
            SELECT o.value AS c FROM json_each(threat_indicators.campaigns) AS o
            UNION SELECT n.value FROM json_each(excluded.campaigns) AS n LIMIT ${MAX_CAMPAIGNS}))`,
          source: sql`excluded.source`,
          firstSeen: sql`coalesce(min(threat_indicators.first_seen, excluded.first_seen), threat_indicators.first_seen, excluded.first_seen)`,
          validUntil: sql`excluded.valid_until`,
          updatedAt: sql`excluded.updated_at`,
        },
      })
      .returning({ createdAt: t.createdAt }),
  );
  const [first, ...rest] = statements;
  const results = await db.batch([first!, ...rest]);
  // A row this import created carries its timestamp; an updated row keeps its earlier created_at.
  const imported = results.flat().filter((r) => r.createdAt === now).length;
  return { imported, updated: rows.length - imported };
}

export interface IndicatorQuery {
  kind?: IndicatorKind;
  value?: string;
  page: number;
  per_page: number;
}

function filterOf(tenantId: string, q: IndicatorQuery): SQL | undefined {
  let value = q.value;
  if (value !== undefined) {
    // A value filter is compared in stored (canonical) form; without a kind, the kinds that can parse it are tried.
    const kinds: IndicatorKind[] = q.kind ? [q.kind] : ["ip", "cidr", "domain"];
    const canonical = kinds.map((k) => canonicalIndicator(k, value!)).find(Boolean);
    if (!canonical) throw invalid(`'${value.slice(0, 100)}' is not a valid indicator value`, { field: "value" });
    value = canonical.value;
    q = { ...q, kind: q.kind ?? canonical.kind };
  }
  return and(
    eq(threatIndicators.tenantId, tenantId),
    q.kind ? eq(threatIndicators.kind, q.kind) : undefined,
    value !== undefined ? eq(threatIndicators.value, value) : undefined,
  );
}

/** A page in primary-key order (kind, value), which the key's index reads directly. */
export async function listIndicators(db: Database, tenantId: string, q: IndicatorQuery) {
  const where = filterOf(tenantId, q);
  return pageOf(db, threatIndicators, where, [asc(threatIndicators.kind), asc(threatIndicators.value)], q);
}

export async function deleteIndicator(db: Database, tenantId: string, kind: IndicatorKind, raw: string) {
  const canonical = canonicalIndicator(kind, raw);
  if (!canonical) throw invalid(`'${raw.slice(0, 100)}' is not a valid ${kind}`, { field: "value" });
  const deleted = await db
    .delete(threatIndicators)
    .where(
      and(
        eq(threatIndicators.tenantId, tenantId),
        eq(threatIndicators.kind, canonical.kind),
        eq(threatIndicators.value, canonical.value),
      ),
    )
    .returning({ value: threatIndicators.value });
  if (!deleted.length) throw notFound(`Indicator ${canonical.kind} '${canonical.value}'`, canonical);
  return canonical;
}

export const indicatorView = (i: Indicator) => ({
  kind: i.kind,
  value: i.value,
  reputation: i.reputation,
  campaigns: i.campaigns,
  source: i.source,
  first_seen: isoTime(i.firstSeen),
  valid_until: isoTime(i.validUntil),
  created_at: isoTime(i.createdAt),
  updated_at: isoTime(i.updatedAt),
});
