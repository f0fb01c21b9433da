import { inArray, lt, sql } from "drizzle-orm";
import { auditLog, deadLetters } from "../../schema";
import { pruneApiMetrics } from "./api-metrics";
import type { Database } from "./db";
import type { Logger } from "./log";

const DAY_MS = 86_400_000;

/** How long each kind of row is kept, and how many rows one cron run may delete per table. */
export const RETENTION = {
  auditLogDays: 365,
  deadLetterDays: 30,
  logDays: 30,
  ruleMatchDays: 2,
  notificationDays: 30,
  batch: 500,
  maxBatches: 20,
} as const;

type PrunableTable = typeof auditLog | typeof deadLetters;

/** Deletes rows older than `before` in bounded batches so one run never holds D1 for long. */
async function pruneOlderThan(db: Database, table: PrunableTable, before: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < RETENTION.maxBatches; i++) {
    const oldest = db.select({ id: table.id }).from(table).where(lt(table.createdAt, before)).limit(RETENTION.batch);
    const result = await db.delete(table).where(inArray(table.id, oldest));
    const changed = result.meta.changes ?? 0;
    total += changed;
    if (changed < RETENTION.batch) break;
  }
  return total;
}

/** Security events past each tenant's own retention, in the same bounded batches. */
async function pruneEvents(db: Database, now: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < RETENTION.maxBatches; i++) {
    const result = await db.run(sql`
      DELETE FROM security_events WHERE id IN (
        SELECT e.id FROM security_events e JOIN tenants t ON t.id = e.tenant_id
        WHERE e.occurred_at < ${now} - t.event_retention_days * ${DAY_MS}
        LIMIT ${RETENTION.batch})`);
    const changed = result.meta.changes ?? 0;
    total += changed;
    if (changed < RETENTION.batch) break;
  }
  return total;
}

/**
 * Ingested logs past their retention, rule matches older than any window counts (a day at
 * most, kept two) and the notification log, in the same bounded batches.
 */
async function pruneLogs(db: Database, now: number): Promise<number> {
  let total = 0;
  const statements = [
    sql`DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE received_at < ${now - RETENTION.logDays * DAY_MS} LIMIT ${RETENTION.batch})`,
    sql`DELETE FROM rule_matches WHERE rowid IN (SELECT rowid FROM rule_matches WHERE at < ${now - RETENTION.ruleMatchDays * DAY_MS} LIMIT ${RETENTION.batch})`,
    sql`DELETE FROM notifications WHERE id IN (SELECT id FROM notifications WHERE created_at < ${now - RETENTION.notificationDays * DAY_MS} LIMIT ${RETENTION.batch})`,
  ];
  for (const statement of statements)
    for (let i = 0; i < RETENTION.maxBatches; i++) {
      const changed = (await db.run(statement)).meta.changes ?? 0;
      total += changed;
      if (changed < RETENTION.batch) break;
    }
  return total;
}

/** The cron trigger's work: retention for the platform's tables and the event history. */
export async function runMaintenance(db: Database, now: number, log: Logger) {
  const auditDeleted = await pruneOlderThan(db, auditLog, now - RETENTION.auditLogDays * DAY_MS);
  const deadLettersDeleted = await pruneOlderThan(db, deadLetters, now - RETENTION.deadLetterDays * DAY_MS);
  const eventsDeleted = await pruneEvents(db, now);
  const logsDeleted = await pruneLogs(db, now);
  const apiMetricsDeleted = await pruneApiMetrics(db, now);
  log.info("maintenance", {
    api_metrics_deleted: apiMetricsDeleted,
    audit_deleted: auditDeleted,
    dead_letters_deleted: deadLettersDeleted,
    events_deleted: eventsDeleted,
    logs_deleted: logsDeleted,
  });
  return { auditDeleted, deadLettersDeleted, eventsDeleted, logsDeleted, apiMetricsDeleted };
}
