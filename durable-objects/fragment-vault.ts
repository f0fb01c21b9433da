import { DurableObject } from "cloudflare:workers";
import { claimExpiry, emitExpired } from "../functions/quantum/fragmentation/expiry";
import type { CiphertextRecord, ShareRecord, StoredFragment } from "../functions/quantum/fragmentation/model";
import { createLogger, parseLogLevel } from "../functions/platform/log";
import { applySchema, type SchemaStep } from "./sql-schema";

const SCHEMA: readonly SchemaStep[] = [
  {
    version: 1,
    sql: "CREATE TABLE fragment (slot INTEGER PRIMARY KEY CHECK (slot = 1), parent_id TEXT NOT NULL, tenant_id TEXT NOT NULL, idx INTEGER NOT NULL, share BLOB NOT NULL, mac BLOB NOT NULL, digest BLOB NOT NULL, iv BLOB NOT NULL, ciphertext BLOB NOT NULL, expires_at INTEGER NOT NULL)",
  },
  // Left behind by an expiry whose D1 update or event failed, so the retried alarm can finish it.
  {
    version: 2,
    sql: "CREATE TABLE expiry_notice (slot INTEGER PRIMARY KEY CHECK (slot = 1), parent_id TEXT NOT NULL, tenant_id TEXT NOT NULL, claimed INTEGER NOT NULL DEFAULT 0)",
  },
];

type FragmentRow = {
  parent_id: string;
  tenant_id: string;
  idx: number;
  share: ArrayBuffer;
  mac: ArrayBuffer;
  digest: ArrayBuffer;
  expires_at: number;
};
type NoticeRow = { parent_id: string; tenant_id: string; claimed: number };

/** SQLite binds BLOBs from ArrayBuffers; a view into a larger buffer is copied out first. */
const blob = (bytes: Uint8Array): ArrayBuffer =>
  bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? (bytes.buffer as ArrayBuffer)
    : (bytes.slice().buffer as ArrayBuffer);

/**
 * One fragment of a temporally fragmented secret (named by its fragment id): a Shamir share, the
 * MAC that binds it to its set, and a copy of the ciphertext, destroyed by an alarm at its expiry.
 * An object that holds nothing has no tables at all: the schema is created by `store` and dropped
 * with everything else by `deleteAll`, so "destroyed" means empty storage, not empty rows.
 */
export class FragmentVault extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Upgrades an object that holds a fragment; an empty one stays without tables.
    if (this.hasSchema()) applySchema(ctx.storage.sql, SCHEMA);
  }

  /** Keeps the fragment and arms its alarm; both are durable before the caller hears back. */
  async store(f: StoredFragment): Promise<void> {
    applySchema(this.ctx.storage.sql, SCHEMA);
    this.ctx.storage.sql.exec(
      "INSERT INTO fragment (slot, parent_id, tenant_id, idx, share, mac, digest, iv, ciphertext, expires_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      f.parentId,
      f.tenantId,
      f.index,
      blob(f.share),
      blob(f.mac),
      blob(f.digest),
      blob(f.iv),
      blob(f.ciphertext),
      f.expiresAt,
    );
    await this.ctx.storage.setAlarm(f.expiresAt);
  }

  /** The share and its proof, or null once destroyed or past expiry (even before the alarm has run). */
  share(): ShareRecord | null {
    const row = this.live();
    if (!row) return null;
    return {
      parentId: row.parent_id,
      index: row.idx,
      share: new Uint8Array(row.share),
      mac: new Uint8Array(row.mac),
      digest: new Uint8Array(row.digest),
      expiresAt: row.expires_at,
    };
  }

  /** Read separately from the share, so reconstruction moves one ciphertext copy rather than n. */
  ciphertext(): CiphertextRecord | null {
    if (!this.live()) return null;
    const row = this.ctx.storage.sql
      .exec<{ iv: ArrayBuffer; ciphertext: ArrayBuffer }>("SELECT iv, ciphertext FROM fragment")
      .one();
    return { iv: new Uint8Array(row.iv), ciphertext: new Uint8Array(row.ciphertext) };
  }

  /** Moves a live fragment's expiry (and its alarm) later, never earlier; false when nothing is live. */
  async extend(expiresAt: number): Promise<boolean> {
    const row = this.live();
    if (!row) return false;
    // Concurrent extensions may arrive out of order; the latest expiry D1 handed out wins.
    const next = Math.max(row.expires_at, expiresAt);
    this.ctx.storage.sql.exec("UPDATE fragment SET expires_at = ?", next);
    await this.ctx.storage.setAlarm(next);
    return true;
  }

  /** Drops everything now, alarm included: used when a set could not be completed. */
  async destroy(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  /**
   * At expiry: the secret material goes first (replaced by a notice naming the set, in the same
   * synchronous step), then the set is marked expired in D1 and the event emitted, then the notice.
   * If D1 or the queue fails the alarm throws and is retried, resuming from the notice.
   */
  override async alarm(): Promise<void> {
    if (this.hasSchema()) {
      const sql = this.ctx.storage.sql;
      const row = sql.exec<FragmentRow>("SELECT parent_id, tenant_id, expires_at FROM fragment").toArray()[0];
      if (row && row.expires_at > Date.now()) return this.ctx.storage.setAlarm(row.expires_at);
      if (row) {
        sql.exec("DELETE FROM fragment");
        sql.exec(
          "INSERT OR IGNORE INTO expiry_notice (slot, parent_id, tenant_id) VALUES (1, ?, ?)",
          row.parent_id,
          row.tenant_id,
        );
      }
      const notice = sql.exec<NoticeRow>("SELECT parent_id, tenant_id, claimed FROM expiry_notice").toArray()[0];
      if (notice) await this.finishExpiry(notice);
    }
    await this.ctx.storage.deleteAll();
  }

  private async finishExpiry(notice: NoticeRow): Promise<void> {
    if (!notice.claimed) {
      if (!(await claimExpiry(this.env, notice.parent_id, notice.tenant_id, Date.now()))) return;
      this.ctx.storage.sql.exec("UPDATE expiry_notice SET claimed = 1");
    }
    const log = createLogger(parseLogLevel(this.env.LOG_LEVEL), { parent_id: notice.parent_id });
    await emitExpired(this.env, notice.parent_id, notice.tenant_id, log);
  }

  /** Asked each time rather than cached: `deleteAll` may have dropped the tables under this instance. */
  private hasSchema(): boolean {
    return (
      this.ctx.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'fragment'").toArray().length > 0
    );
  }

  private live(): FragmentRow | null {
    if (!this.hasSchema()) return null;
    const row = this.ctx.storage.sql
      .exec<FragmentRow>("SELECT parent_id, tenant_id, idx, share, mac, digest, expires_at FROM fragment")
      .toArray()[0];
    return row && row.expires_at > Date.now() ? row : null;
  }
}
