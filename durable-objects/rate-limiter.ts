import { DurableObject } from "cloudflare:workers";
import {
  addFixed,
  applyAlgorithm,
  leaseWindow,
  type Algorithm,
  type CounterStore,
  type FixedWindow,
  type LimitResult,
  type Window,
} from "../functions/platform/rate-limit/algorithms";
import { applySchema, type SchemaStep } from "./sql-schema";

const SCHEMA: readonly SchemaStep[] = [
  {
    version: 1,
    sql: "CREATE TABLE counters (key TEXT PRIMARY KEY, value REAL NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID",
  },
];

/**
 * The embedded rate-limit backend: a fixed set of objects per policy, each deciding for the
 * callers hashed to it (see functions/platform/rate-limit/shards.ts), so every decision for one
 * caller is serial without a global lock; counter keys carry the caller. Counters live in SQLite with expiry,
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

  async limit(identifier: string, algorithm: Algorithm): Promise<LimitResult> {
    const result = applyAlgorithm(this.prefixed(identifier), algorithm, Date.now());
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + 60_000);
    return result;
  }

  /** Several permits of a window at once, for a caller's isolate to spend locally. */
  async lease(identifier: string, algorithm: Window, want: number): Promise<LimitResult & { granted: number }> {
    const result = leaseWindow(this.prefixed(identifier), algorithm, want, Date.now());
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + 60_000);
    return result;
  }

  /**
   * Counts served reads for many callers at once (a shard of a read policy's callers); returns
   * each caller's total for that window. Keys carry the caller, so callers never share a counter.
   */
  async addMany(algorithm: FixedWindow, bucket: number, counts: [string, number][]): Promise<Record<string, number>> {
    const totals: Record<string, number> = {};
    for (const [identifier, n] of counts) totals[identifier] = addFixed(this.prefixed(identifier), algorithm, bucket, n);
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + 60_000);
    return totals;
  }

  private prefixed(identifier: string): CounterStore {
    return {
      get: (key) => this.store.get(`${identifier}|${key}`),
      set: (key, value, expiresAt) => this.store.set(`${identifier}|${key}`, value, expiresAt),
    };
  }

  override async alarm(): Promise<void> {
    const sql = this.ctx.storage.sql;
    sql.exec("DELETE FROM counters WHERE expires_at <= ?", Date.now());
    const left = sql.exec<{ n: number }>("SELECT count(*) AS n FROM counters").one().n;
    if (left > 0) await this.ctx.storage.setAlarm(Date.now() + 60_000);
  }
}
