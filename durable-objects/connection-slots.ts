import { DurableObject } from "cloudflare:workers";
import { applySchema, type SchemaStep } from "./sql-schema";

const SCHEMA: readonly SchemaStep[] = [
  { version: 1, sql: "CREATE TABLE leases (connection_id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID" },
];

/**
 * Counts one principal's open stream connections against its tier's cap. Slots are leases:
 * a stream renews its lease while open, so a connection that dies without releasing frees
 * its slot when the lease runs out instead of leaking it forever.
 */
export class ConnectionSlots extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    applySchema(ctx.storage.sql, SCHEMA);
  }

  acquire(connectionId: string, max: number, leaseMs: number): { granted: boolean; active: number } {
    const sql = this.ctx.storage.sql;
    const now = Date.now();
    sql.exec("DELETE FROM leases WHERE expires_at <= ?", now);
    const active = sql.exec<{ n: number }>("SELECT count(*) AS n FROM leases").one().n;
    if (active >= max) return { granted: false, active };
    sql.exec("INSERT OR REPLACE INTO leases (connection_id, expires_at) VALUES (?, ?)", connectionId, now + leaseMs);
    return { granted: true, active: active + 1 };
  }

  renew(connectionId: string, leaseMs: number): boolean {
    const now = Date.now();
    const rows = this.ctx.storage.sql
      .exec(
        "UPDATE leases SET expires_at = ? WHERE connection_id = ? AND expires_at > ? RETURNING connection_id",
        now + leaseMs,
        connectionId,
        now,
      )
      .toArray();
    return rows.length > 0;
  }

  release(connectionId: string): void {
    this.ctx.storage.sql.exec("DELETE FROM leases WHERE connection_id = ?", connectionId);
  }
}
