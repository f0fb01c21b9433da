import { TRUST_BONUS, TRUST_MIN_PUBLISHERS } from "../functions/av/scoring";
import { appendChainedHoldingLock } from "./chained-log";

/**
 * A machine's claims: decided and recorded in one step inside the object (no other call runs
 * between the duplicate check and the write), appended to the machine's transition chain.
 */
export const CLAIMS_DDL = [
  "CREATE TABLE claims (audit_row_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, device_id TEXT NOT NULL, claim_type TEXT NOT NULL, captured_zeqond INTEGER NOT NULL, fingerprint TEXT NOT NULL, s_forensic REAL NOT NULL, fired INTEGER NOT NULL, blockers TEXT NOT NULL, derived TEXT, created_at INTEGER NOT NULL, UNIQUE (fingerprint, captured_zeqond))",
  "CREATE INDEX claims_zeqond ON claims (captured_zeqond)",
  "ALTER TABLE claims ADD COLUMN trust_bonus REAL NOT NULL DEFAULT 0",
  // Newest-first reads order by (captured_zeqond, seq): an index on the zeqond alone left SQLite
  // sorting every row of the window to settle ties, so a read cost grew with the log.
  "DROP INDEX claims_zeqond",
  "CREATE INDEX claims_recent ON claims (captured_zeqond, seq)",
];

/** A capture more than this far from the object's clock (either way) is stale: about 46 minutes. */
export const STALE_AFTER_ZEQONDS = 3600;

export interface ClaimInput {
  actor: string;
  device_id: string;
  claim_type: string;
  captured_at_zeqond: number;
  fingerprint: string;
  /** The device-independent match key (see `claimIndicator`). */
  indicator: string;
  /** Null when no score could be computed (no hf_scores and nothing to derive from). */
  s_forensic: number | null;
  theta: number;
  now_zeqond: number;
  /** How the score was derived when the agent sent none, recorded in the row. */
  derived: string | null;
}

export interface ClaimRecord {
  audit_row_id: string;
  zeqond: number;
  s_forensic: number;
  fired: boolean;
  blockers: string[];
  fingerprint: string;
  device_id: string;
  claim_type: string;
  created: boolean;
}

type Row = {
  audit_row_id: string;
  device_id: string;
  claim_type: string;
  captured_zeqond: number;
  fingerprint: string;
  s_forensic: number;
  fired: number;
  blockers: string;
};

const toRecord = (r: Row, created: boolean): ClaimRecord => ({
  audit_row_id: r.audit_row_id,
  zeqond: r.captured_zeqond,
  s_forensic: r.s_forensic,
  fired: r.fired === 1,
  blockers: JSON.parse(r.blockers) as string[],
  fingerprint: r.fingerprint,
  device_id: r.device_id,
  claim_type: r.claim_type,
  created,
});

function blockersFor(sql: SqlStorage, c: ClaimInput): string[] {
  const blockers: string[] = [];
  if ((c.s_forensic ?? 0) < c.theta) blockers.push("composite_below_theta");
  const device = sql
    .exec<{ quarantined: number }>("SELECT quarantined FROM devices WHERE device_id = ?", c.device_id)
    .toArray()[0];
  if (!device) blockers.push("device_unknown");
  else if (device.quarantined === 1) blockers.push("device_quarantined");
  if (Math.abs(c.now_zeqond - c.captured_at_zeqond) > STALE_AFTER_ZEQONDS) blockers.push("stale_capture");
  const earlier = sql.exec("SELECT 1 FROM claims WHERE fingerprint = ? AND fired = 1 LIMIT 1", c.fingerprint).toArray();
  if (earlier.length) blockers.push("duplicate_claim");
  return blockers;
}

export const TRUST_SQL = "SELECT count(DISTINCT publisher_slug) AS n FROM seen_fires WHERE indicator = ?";

/** Peers' corroboration: how many other machines this one has seen fire the same indicator. */
function trustBonus(sql: SqlStorage, indicator: string): { bonus: number; publishers: number } {
  const row = sql.exec<{ n: number }>(TRUST_SQL, indicator).toArray()[0];
  const publishers = row?.n ?? 0;
  return { bonus: publishers >= TRUST_MIN_PUBLISHERS ? TRUST_BONUS : 0, publishers };
}

/**
 * Must run inside `blockConcurrencyWhile`. A retry of the same claim returns the original row.
 * The chain entry and the claim row are written in one transaction: both or neither.
 */
export async function recordClaim(ctx: DurableObjectState, c: ClaimInput): Promise<ClaimRecord> {
  const sql = ctx.storage.sql;
  const same = sql
    .exec<Row>("SELECT * FROM claims WHERE fingerprint = ? AND captured_zeqond = ?", c.fingerprint, c.captured_at_zeqond)
    .toArray()[0];
  if (same) return toRecord(same, false);
  const trust = c.s_forensic === null ? { bonus: 0, publishers: 0 } : trustBonus(sql, c.indicator);
  const scored = {
    ...c,
    s_forensic: c.s_forensic === null ? null : Math.min(1, Math.round((c.s_forensic + trust.bonus) * 1000) / 1000),
  };
  const blockers = blockersFor(sql, scored);
  const row: Row = {
    audit_row_id: crypto.randomUUID(),
    device_id: c.device_id,
    claim_type: c.claim_type,
    captured_zeqond: c.captured_at_zeqond,
    fingerprint: c.fingerprint,
    s_forensic: scored.s_forensic ?? 0,
    fired: blockers.length === 0 ? 1 : 0,
    blockers: JSON.stringify(blockers),
  };
  const trustNote = trust.bonus ? { trust_bonus: trust.bonus, corroborating_publishers: trust.publishers } : {};
  const details = JSON.stringify({ ...row, fired: row.fired === 1, blockers, derived: c.derived, ...trustNote });
  await appendChainedHoldingLock(ctx, "transitions", c.actor, "claim.recorded", details, (seq) =>
    sql.exec(
      "INSERT INTO claims (audit_row_id, seq, device_id, claim_type, captured_zeqond, fingerprint, s_forensic, fired, blockers, derived, trust_bonus, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      row.audit_row_id,
      seq,
      row.device_id,
      row.claim_type,
      row.captured_zeqond,
      row.fingerprint,
      row.s_forensic,
      row.fired,
      row.blockers,
      c.derived,
      trust.bonus,
      Date.now(),
    ),
  );
  return toRecord(row, true);
}

export const RECENT_CLAIMS_SQL =
  "SELECT * FROM claims WHERE captured_zeqond >= ? ORDER BY captured_zeqond DESC, seq DESC LIMIT ?";

export function claimsSince(sql: SqlStorage, sinceZeqond: number, limit: number): ClaimRecord[] {
  return sql
    .exec<Row>(RECENT_CLAIMS_SQL, sinceZeqond, limit)
    .toArray()
    .map((r) => toRecord(r, false));
}
