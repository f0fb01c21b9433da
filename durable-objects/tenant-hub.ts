import { DurableObject } from "cloudflare:workers";
import { applySchema, type SchemaStep } from "./sql-schema";

const SCHEMA: readonly SchemaStep[] = [
  {
    version: 1,
    sql: "CREATE TABLE probes (id INTEGER PRIMARY KEY CHECK (id = 1), count INTEGER NOT NULL, last_at INTEGER NOT NULL)",
  },
];

export interface ProbeResult {
  schemaVersion: number;
  probes: number;
  lastAt: number;
}

/**
 * One object per tenant: the tenant's live state (the event hub's subscribers and
 * cursors arrive with the event pipeline). Readiness checks call `probe()`, which
 * writes storage before replying so a passing check proves the object can persist.
 */
export class TenantHub extends DurableObject<Env> {
  private readonly schemaVersion: number;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.schemaVersion = applySchema(ctx.storage.sql, SCHEMA);
  }

  probe(): ProbeResult {
    const now = Date.now();
    const row = this.ctx.storage.sql
      .exec<{ count: number; last_at: number }>(
        `INSERT INTO probes (id, count, last_at) VALUES (1, 1, ?)
         ON CONFLICT (id) DO UPDATE SET count = count + 1, last_at = excluded.last_at
         RETURNING count, last_at`,
        now,
      )
      .one();
    return { schemaVersion: this.schemaVersion, probes: row.count, lastAt: row.last_at };
  }
}
