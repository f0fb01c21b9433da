import { DurableObject } from "cloudflare:workers";
import { applyAlgorithm, type Algorithm, type CounterStore, type LimitResult } from "../functions/platform/rate-limit/algorithms";
import { applySchema, type SchemaStep } from "./sql-schema";

const SCHEMA: readonly SchemaStep[] = [
  {
    version: 1,
    sql: "CREATE TABLE counters (key TEXT PRIMARY KEY, value REAL NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID",
  },
];

/**
 * The embedded rate-limit backend: one object per (policy, identifier), so every decision
 * for one caller is serial without a global lock. Counters live in SQLite with expiry,
 * written before the decision is returned; an alarm sweeps expired rows.
 */
export class RateLimiter extends DurableObject<Env> {
  private readonly store: CounterStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    applySchema(sql, SCHEMA);
    this.store = {
      get: (key) =>
        sql.exec<{ value: number }>("SELECT value FROM counters WHERE key = ? AND expires_at > ?", key, Date.now()).toArray()[0]
          ?.value ?? null,
      set: (key, value, expiresAt) => {
        sql.exec(
          "INSERT INTO counters (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
          key,
          value,
          expiresAt,
        );
      },
    };
  }

  async limit(algorithm: Algorithm): Promise<LimitResult> {
    const result = applyAlgorithm(this.store, algorithm, Date.now());
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + 60_000);
    return result;
  }

  override async alarm(): Promise<void> {
    const sql = this.ctx.storage.sql;
    sql.exec("DELETE FROM counters WHERE expires_at <= ?", Date.now());
    const left = sql.exec<{ n: number }>("SELECT count(*) AS n FROM counters").one().n;
    if (left > 0) await this.ctx.storage.setAlarm(Date.now() + 60_000);
  }
}
