import { DurableObject } from "cloudflare:workers";
import { applySchema, type SchemaStep } from "./sql-schema";

const SCHEMA: readonly SchemaStep[] = [
  { version: 1, sql: "CREATE TABLE seen (nonce TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID" },
  { version: 2, sql: "CREATE INDEX seen_expiry ON seen (expires_at)" },
];

/**
 * Remembers each signed request's signature until it could no longer pass the timestamp
 * window, so a captured request cannot be replayed. One object per client keeps the check
 * strictly serial for that client without contending across clients.
 */
export class ReplayGuard extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    applySchema(ctx.storage.sql, SCHEMA);
  }

  /** True the first time a nonce is claimed; false on every later attempt before it expires. */
  async claim(nonce: string, expiresAt: number): Promise<boolean> {
    const sql = this.ctx.storage.sql;
    const fresh = sql
      .exec("INSERT INTO seen (nonce, expires_at) VALUES (?, ?) ON CONFLICT (nonce) DO NOTHING RETURNING nonce", nonce, expiresAt)
      .toArray();
    if (fresh.length && (await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(expiresAt);
    return fresh.length > 0;
  }

  override async alarm(): Promise<void> {
    const sql = this.ctx.storage.sql;
    sql.exec("DELETE FROM seen WHERE expires_at <= ?", Date.now());
    const next = sql.exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM seen").one().at;
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }
}
