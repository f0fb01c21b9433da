/**
 * Versioned DDL for a Durable Object's SQLite storage. Each object records the highest
 * version it has applied in `_schema`; steps run in order, once, inside the object's
 * implicit transaction, so an object that restarts mid-upgrade never sees half a schema.
 */
export type SchemaStep = { version: number; sql: string };

export function applySchema(sql: SqlStorage, steps: readonly SchemaStep[]): number {
  sql.exec("CREATE TABLE IF NOT EXISTS _schema (version INTEGER NOT NULL)");
  const row = sql.exec<{ version: number }>("SELECT max(version) AS version FROM _schema").toArray()[0];
  let current = row?.version ?? 0;
  for (const step of [...steps].sort((a, b) => a.version - b.version)) {
    if (step.version <= current) continue;
    sql.exec(step.sql);
    sql.exec("INSERT INTO _schema (version) VALUES (?)", step.version);
    current = step.version;
  }
  return current;
}
