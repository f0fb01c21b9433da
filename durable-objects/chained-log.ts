import { entryHash, firstBrokenLink, GENESIS_HASH, type StoredEntry } from "../functions/platform/audit-chain";

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

type Row = { seq: number; at: number; actor: string; action: string; details: string; prev_hash: string; hash: string };

const stored = (r: Row): StoredEntry => ({
  seq: r.seq,
  at: r.at,
  actor: r.actor,
  action: r.action,
  detailsJson: r.details,
  prevHash: r.prev_hash,
  hash: r.hash,
});

export function chainedEntries(ctx: DurableObjectState, table: string): StoredEntry[] {
  return ctx.storage.sql.exec<Row>(`SELECT * FROM ${table} ORDER BY seq`).toArray().map(stored);
}

/** At most `limit` entries after `afterSeq`, oldest first. */
export function chainedPage(ctx: DurableObjectState, table: string, afterSeq: number, limit: number): StoredEntry[] {
  return ctx.storage.sql
    .exec<Row>(`SELECT * FROM ${table} WHERE seq > ? ORDER BY seq LIMIT ?`, afterSeq, limit)
    .toArray()
    .map(stored);
}

export interface ChainCheck {
  /** Entries in the whole log. */
  length: number;
  /** Entries this call checked, from `fromSeq`. */
  checked: number;
  firstBrokenSeq: number | null;
}

/**
 * Checks at most `limit` entries from `fromSeq` against the entry before them, inside the object:
 * a long log is verified a bounded run per call and never sent whole over RPC.
 */
export async function verifyChained(ctx: DurableObjectState, table: string, fromSeq: number, limit: number): Promise<ChainCheck> {
  const sql = ctx.storage.sql;
  const length = sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${table}`).one().n;
  let prevHash = GENESIS_HASH;
  if (fromSeq > 1) {
    const before = sql.exec<{ hash: string }>(`SELECT hash FROM ${table} WHERE seq = ?`, fromSeq - 1).toArray()[0];
    if (!before) return { length, checked: 0, firstBrokenSeq: fromSeq - 1 <= length ? fromSeq - 1 : null };
    prevHash = before.hash;
  }
  const run = chainedPage(ctx, table, fromSeq - 1, limit);
  return { length, checked: run.length, firstBrokenSeq: await firstBrokenLink(run, prevHash, fromSeq) };
}
