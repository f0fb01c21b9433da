import { entryHash, GENESIS_HASH, type StoredEntry } from "../functions/platform/audit-chain";

/**
 * A hash-chained log in a Durable Object's SQLite storage, in a table with the columns
 * (seq, at, actor, action, details, prev_hash, hash). Appends are serial: hashing awaits
 * WebCrypto, which does not hold the input gate, so other calls wait until the row is written.
 */
export const chainedLogDdl = (table: string) =>
  `CREATE TABLE ${table} (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, details TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)`;

export function appendChained(
  ctx: DurableObjectState,
  table: string,
  actor: string,
  action: string,
  detailsJson: string,
): Promise<{ seq: number; hash: string; at: number }> {
  return ctx.blockConcurrencyWhile(() => appendChainedHoldingLock(ctx, table, actor, action, detailsJson));
}

/**
 * For a caller already inside `blockConcurrencyWhile` (it decides and appends as one step).
 * `alongside` writes the caller's own row in the same transaction as the entry.
 */
export async function appendChainedHoldingLock(
  ctx: DurableObjectState,
  table: string,
  actor: string,
  action: string,
  detailsJson: string,
  alongside?: (seq: number) => void,
): Promise<{ seq: number; hash: string; at: number }> {
  const head = ctx.storage.sql
    .exec<{ seq: number; hash: string }>(`SELECT seq, hash FROM ${table} ORDER BY seq DESC LIMIT 1`)
    .toArray()[0];
  const details = JSON.parse(detailsJson) as Record<string, unknown>;
  const entry = { seq: (head?.seq ?? 0) + 1, at: Date.now(), actor, action, details, prevHash: head?.hash ?? GENESIS_HASH };
  const hash = await entryHash(entry.prevHash, entry);
  ctx.storage.transactionSync(() => {
    ctx.storage.sql.exec(
      `INSERT INTO ${table} (seq, at, actor, action, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      entry.seq,
      entry.at,
      actor,
      action,
      detailsJson,
      entry.prevHash,
      hash,
    );
    alongside?.(entry.seq);
  });
  return { seq: entry.seq, hash, at: entry.at };
}

export function chainedEntries(ctx: DurableObjectState, table: string): StoredEntry[] {
  return ctx.storage.sql
    .exec<{ seq: number; at: number; actor: string; action: string; details: string; prev_hash: string; hash: string }>(
      `SELECT * FROM ${table} ORDER BY seq`,
    )
    .toArray()
    .map((r) => ({
      seq: r.seq,
      at: r.at,
      actor: r.actor,
      action: r.action,
      detailsJson: r.details,
      prevHash: r.prev_hash,
      hash: r.hash,
    }));
}
