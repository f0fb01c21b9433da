/**
 * The machine mesh, kept in each machine's own object: a subscriber holds its subscriptions and
 * feed counters; a publisher holds who subscribes to it, so a fire fans out without D1.
 */
export const MESH_DDL = [
  "CREATE TABLE subscriptions (publisher_slug TEXT NOT NULL, tag TEXT NOT NULL, fire_count INTEGER NOT NULL DEFAULT 0, last_fired_zeqond INTEGER, created_at INTEGER NOT NULL, PRIMARY KEY (publisher_slug, tag))",
  "CREATE TABLE subscribers (subscriber_slug TEXT NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (subscriber_slug, tag))",
  "CREATE TABLE seen_fires (audit_row_id TEXT NOT NULL, publisher_slug TEXT NOT NULL, PRIMARY KEY (publisher_slug, audit_row_id))",
  "ALTER TABLE seen_fires ADD COLUMN indicator TEXT",
  "CREATE INDEX seen_fires_indicator ON seen_fires (indicator, publisher_slug)",
];

/** The tag every fire matches; a claim type as the tag matches fires of that type only. */
export const ANY_FIRE_TAG = "av.threat.detected";

export interface FeedEntry {
  publisher_slug: string;
  tag: string;
  fire_count: number;
  last_fired_zeqond: number | null;
}

export function feed(sql: SqlStorage): FeedEntry[] {
  return sql
    .exec<{ publisher_slug: string; tag: string; fire_count: number; last_fired_zeqond: number | null }>(
      "SELECT publisher_slug, tag, fire_count, last_fired_zeqond FROM subscriptions ORDER BY created_at, publisher_slug",
    )
    .toArray()
    .map((r) => ({ ...r }));
}

export function subscribersFor(sql: SqlStorage, claimType: string): string[] {
  return sql
    .exec<{ subscriber_slug: string }>(
      "SELECT DISTINCT subscriber_slug FROM subscribers WHERE tag = ? OR tag = ? ORDER BY subscriber_slug",
      ANY_FIRE_TAG,
      claimType,
    )
    .toArray()
    .map((r) => r.subscriber_slug);
}

export interface Fire {
  publisher: string;
  claimType: string;
  auditRowId: string;
  zeqond: number;
  indicator: string;
}

/** Counts one publisher fire once, however often it is delivered. */
export function recordFire(sql: SqlStorage, { publisher, claimType, auditRowId, zeqond, indicator }: Fire): void {
  const fresh = sql
    .exec(
      "INSERT OR IGNORE INTO seen_fires (audit_row_id, publisher_slug, indicator) VALUES (?, ?, ?) RETURNING audit_row_id",
      auditRowId,
      publisher,
      indicator,
    )
    .toArray();
  if (!fresh.length) return;
  sql.exec(
    "UPDATE subscriptions SET fire_count = fire_count + 1, last_fired_zeqond = max(coalesce(last_fired_zeqond, 0), ?) WHERE publisher_slug = ? AND (tag = ? OR tag = ?)",
    zeqond,
    publisher,
    ANY_FIRE_TAG,
    claimType,
  );
}
