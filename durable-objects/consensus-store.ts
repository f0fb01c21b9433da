import type { AgentStatus } from "../schema/consensus";
import {
  REPUTATION,
  type EquivocationEvidence,
  type QuorumCertificate,
  type VotePhase,
} from "../functions/quantum/consensus/model";
import type { AgentActivity, RoundStatus, StoredEvidence } from "../functions/quantum/consensus/rpc";
import type { SchemaStep } from "./sql-schema";

/**
 * The ConsensusCluster's SQLite storage: the source of truth for consensus. Agents (keys and live
 * state), rounds with their value and certificate, the votes of open rounds, equivocation
 * evidence, and an outbox of pipeline events. Every change to an agent bumps its `rev`; the D1
 * mirror records the rev it last copied (`mirrored_rev`), so a failed copy is simply retried.
 */
export const CONSENSUS_SCHEMA: readonly SchemaStep[] = [
  {
    version: 1,
    sql: "CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), cluster_id TEXT NOT NULL, view INTEGER NOT NULL DEFAULT 0, sequence INTEGER NOT NULL DEFAULT 0)",
  },
  {
    version: 2,
    sql: "CREATE TABLE agents (id TEXT PRIMARY KEY, name TEXT NOT NULL, public_key TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'OFFLINE', reputation REAL NOT NULL DEFAULT 1, last_heartbeat INTEGER, last_signed_heartbeat INTEGER NOT NULL DEFAULT 0, invalid_signatures INTEGER NOT NULL DEFAULT 0, rounds_assigned INTEGER NOT NULL DEFAULT 0, tasks_completed INTEGER NOT NULL DEFAULT 0, response_ms_total INTEGER NOT NULL DEFAULT 0, response_samples INTEGER NOT NULL DEFAULT 0, cpu_usage REAL, memory_usage REAL, rev INTEGER NOT NULL DEFAULT 1, mirrored_rev INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL)",
  },
  {
    version: 3,
    sql: "CREATE TABLE rounds (sequence INTEGER PRIMARY KEY, proposal_id TEXT NOT NULL UNIQUE, value BLOB NOT NULL, digest TEXT NOT NULL, priority INTEGER NOT NULL, metadata TEXT NOT NULL, voters TEXT NOT NULL, view INTEGER NOT NULL, phase TEXT NOT NULL, started_at INTEGER NOT NULL, view_started_at INTEGER NOT NULL, round_timeout_ms INTEGER NOT NULL, deadline INTEGER NOT NULL, finished_at INTEGER, failure_reason TEXT, agreeing TEXT NOT NULL DEFAULT '[]', certificate TEXT)",
  },
  { version: 4, sql: "CREATE INDEX rounds_phase ON rounds (phase, sequence)" },
  {
    version: 5,
    sql: "CREATE TABLE votes (sequence INTEGER NOT NULL, view INTEGER NOT NULL, phase TEXT NOT NULL, agent_id TEXT NOT NULL, digest TEXT NOT NULL, signature TEXT NOT NULL, received_at INTEGER NOT NULL, PRIMARY KEY (sequence, view, phase, agent_id, digest))",
  },
  {
    version: 6,
    sql: "CREATE TABLE evidence (id INTEGER PRIMARY KEY, agent_id TEXT NOT NULL, body TEXT NOT NULL, detected_at INTEGER NOT NULL)",
  },
  {
    version: 7,
    sql: "CREATE TABLE outbox (id TEXT PRIMARY KEY, event TEXT NOT NULL, created_at INTEGER NOT NULL)",
  },
  // Deactivation is for good: the agent stays on record (its rounds and evidence name it) but never votes again.
  { version: 8, sql: "ALTER TABLE agents ADD COLUMN deactivated_at INTEGER" },
];

export interface AgentRow {
  id: string;
  name: string;
  public_key: string;
  status: AgentStatus;
  reputation: number;
  last_heartbeat: number | null;
  last_signed_heartbeat: number;
  invalid_signatures: number;
  rounds_assigned: number;
  tasks_completed: number;
  response_ms_total: number;
  response_samples: number;
  cpu_usage: number | null;
  memory_usage: number | null;
  rev: number;
  mirrored_rev: number;
  created_at: number;
  deactivated_at: number | null;
}

/** `pre_prepare` and `prepared` are open; `committed` and `failed` are final. */
export type RoundPhase = "pre_prepare" | "prepared" | "committed" | "failed";

export interface Round {
  sequence: number;
  proposal_id: string;
  value: Uint8Array;
  digest: string;
  priority: number;
  metadata: Record<string, string>;
  voters: string[];
  view: number;
  phase: RoundPhase;
  started_at: number;
  view_started_at: number;
  round_timeout_ms: number;
  deadline: number;
  finished_at: number | null;
  failure_reason: string | null;
  /** Set when the round ends: the certificate's signers, or who PREPAREd in the last view of a failure. */
  agreeing: string[];
  certificate: QuorumCertificate | null;
}

type RoundRow = Omit<Round, "value" | "metadata" | "voters" | "agreeing" | "certificate"> & {
  value: ArrayBuffer;
  metadata: string;
  voters: string;
  agreeing: string;
  certificate: string | null;
};

export interface VoteRow {
  agent_id: string;
  phase: VotePhase;
  digest: string;
  signature: string;
  received_at: number;
}

export interface Meta {
  cluster_id: string;
  view: number;
  sequence: number;
}

export const isOpen = (r: Round): boolean => r.phase === "pre_prepare" || r.phase === "prepared";
export const statusOf = (phase: RoundPhase): RoundStatus =>
  phase === "committed" ? "committed" : phase === "failed" ? "failed" : "open";

export function meta(sql: SqlStorage): Meta | null {
  return sql.exec<Meta & Record<string, SqlStorageValue>>("SELECT cluster_id, view, sequence FROM meta").toArray()[0] ?? null;
}

/** The object learns its cluster (the tenant id) from the first call that names it. */
export function ensureMeta(sql: SqlStorage, clusterId: string): Meta {
  sql.exec("INSERT OR IGNORE INTO meta (id, cluster_id) VALUES (1, ?)", clusterId);
  return meta(sql)!;
}

export function agent(sql: SqlStorage, id: string): AgentRow | null {
  return sql.exec<AgentRow & Record<string, SqlStorageValue>>("SELECT * FROM agents WHERE id = ?", id).toArray()[0] ?? null;
}

export function agents(sql: SqlStorage): AgentRow[] {
  return sql.exec<AgentRow & Record<string, SqlStorageValue>>("SELECT * FROM agents ORDER BY created_at, id").toArray();
}

/** An enrolled agent starts OFFLINE; its D1 row, which holds the rest, is already written (rev 1 is mirrored). */
export function insertAgent(sql: SqlStorage, a: { id: string; name: string; publicKey: string }, now: number): void {
  sql.exec(
    "INSERT OR IGNORE INTO agents (id, name, public_key, reputation, created_at, rev, mirrored_rev) VALUES (?, ?, ?, ?, ?, 1, 1)",
    a.id,
    a.name,
    a.publicKey,
    REPUTATION.initial,
    now,
  );
}

/** Every agent change goes through here so the D1 mirror sees it (`set` is a constant in the caller). */
export function changeAgent(sql: SqlStorage, id: string, set: string, ...args: SqlStorageValue[]): void {
  sql.exec(`UPDATE agents SET ${set}, rev = rev + 1 WHERE id = ?`, ...args, id);
}

const toRound = (r: RoundRow): Round => ({
  ...r,
  value: new Uint8Array(r.value),
  metadata: JSON.parse(r.metadata) as Record<string, string>,
  voters: JSON.parse(r.voters) as string[],
  agreeing: JSON.parse(r.agreeing) as string[],
  certificate: r.certificate ? (JSON.parse(r.certificate) as QuorumCertificate) : null,
});

function rounds(sql: SqlStorage, where: string, ...args: SqlStorageValue[]): Round[] {
  return sql
    .exec<RoundRow & Record<string, SqlStorageValue>>(`SELECT * FROM rounds ${where}`, ...args)
    .toArray()
    .map(toRound);
}

export const roundBySequence = (sql: SqlStorage, sequence: number): Round | null =>
  rounds(sql, "WHERE sequence = ?", sequence)[0] ?? null;
export const roundByProposal = (sql: SqlStorage, proposalId: string): Round | null =>
  rounds(sql, "WHERE proposal_id = ?", proposalId)[0] ?? null;
export const openRounds = (sql: SqlStorage): Round[] =>
  rounds(sql, "WHERE phase IN ('pre_prepare', 'prepared') ORDER BY sequence");
export const recentRounds = (sql: SqlStorage, limit: number): Round[] => rounds(sql, "ORDER BY sequence DESC LIMIT ?", limit);

export function insertRound(sql: SqlStorage, r: Round): void {
  sql.exec(
    "INSERT INTO rounds (sequence, proposal_id, value, digest, priority, metadata, voters, view, phase, started_at, view_started_at, round_timeout_ms, deadline) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    r.sequence,
    r.proposal_id,
    r.value.slice().buffer,
    r.digest,
    r.priority,
    JSON.stringify(r.metadata),
    JSON.stringify(r.voters),
    r.view,
    r.phase,
    r.started_at,
    r.view_started_at,
    r.round_timeout_ms,
    r.deadline,
  );
}

/** The votes for `digest` in one phase of one view, from agents not (yet) proven BYZANTINE, oldest first. */
export function matchingVotes(sql: SqlStorage, r: Round, phase: VotePhase): VoteRow[] {
  return sql
    .exec<VoteRow & Record<string, SqlStorageValue>>(
      `SELECT v.agent_id, v.phase, v.digest, v.signature, v.received_at FROM votes v JOIN agents a ON a.id = v.agent_id
       WHERE v.sequence = ? AND v.view = ? AND v.phase = ? AND v.digest = ? AND a.status != 'BYZANTINE'
       ORDER BY v.received_at, v.agent_id`,
      r.sequence,
      r.view,
      phase,
      r.digest,
    )
    .toArray();
}

/** A vote by the agent in this (view, sequence), any phase, for a different digest: equivocation. */
export function conflictingVote(sql: SqlStorage, agentId: string, view: number, sequence: number, digest: string) {
  return (
    sql
      .exec<VoteRow & Record<string, SqlStorageValue>>(
        "SELECT agent_id, phase, digest, signature, received_at FROM votes WHERE sequence = ? AND view = ? AND agent_id = ? AND digest != ? LIMIT 1",
        sequence,
        view,
        agentId,
        digest,
      )
      .toArray()[0] ?? null
  );
}

export function insertEvidence(sql: SqlStorage, e: EquivocationEvidence, at: number): number {
  return sql
    .exec<{ id: number }>(
      "INSERT INTO evidence (agent_id, body, detected_at) VALUES (?, ?, ?) RETURNING id",
      e.agent_id,
      JSON.stringify(e),
      at,
    )
    .one().id;
}

/** The agent's finished rounds since `since`: as a voter, and with its COMMIT in the certificate. */
export function activitySince(sql: SqlStorage, agentId: string, since: number): AgentActivity {
  const row = sql
    .exec<{ assigned: number; completed: number | null }>(
      `SELECT count(*) AS assigned, sum(phase = 'committed' AND EXISTS (SELECT 1 FROM json_each(agreeing) WHERE value = ?1)) AS completed
       FROM rounds WHERE finished_at >= ?2 AND EXISTS (SELECT 1 FROM json_each(voters) WHERE value = ?1)`,
      agentId,
      since,
    )
    .one();
  return { rounds_assigned: row.assigned, tasks_completed: row.completed ?? 0 };
}

export function listEvidence(sql: SqlStorage, agentId: string | null, limit: number): StoredEvidence[] {
  return sql
    .exec<{ id: number; body: string }>(
      "SELECT id, body FROM evidence WHERE ?1 IS NULL OR agent_id = ?1 ORDER BY id DESC LIMIT ?2",
      agentId,
      limit,
    )
    .toArray()
    .map((row) => ({ evidence_id: row.id, ...(JSON.parse(row.body) as Omit<StoredEvidence, "evidence_id">) }));
}

/** Queued in the same step as the change it reports; `key` makes the event id deterministic. */
export function queueEvent(sql: SqlStorage, key: string, event: Record<string, unknown>, at: number): void {
  sql.exec("INSERT OR IGNORE INTO outbox (id, event, created_at) VALUES (?, ?, ?)", key, JSON.stringify(event), at);
}
