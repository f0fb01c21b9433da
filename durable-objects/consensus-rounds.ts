import { toBase64 } from "../functions/platform/crypto";
import { achievedEvent, byzantineEvent, failedEvent } from "../functions/quantum/consensus/events";
import {
  clampReputation,
  faultTolerance,
  PROTOCOL,
  quorumSize,
  REPUTATION,
  type EquivocationEvidence,
  type QuorumCertificate,
} from "../functions/quantum/consensus/model";
import type { ServerMessage, VoteMessage } from "../functions/quantum/consensus/protocol";
import type { ProposeResult } from "../functions/quantum/consensus/rpc";
import {
  agent,
  changeAgent,
  conflictingVote,
  insertEvidence,
  insertRound,
  isOpen,
  matchingVotes,
  meta,
  openRounds,
  queueEvent,
  roundBySequence,
  statusOf,
  type AgentRow,
  type Round,
  type VoteRow,
} from "./consensus-store";

/**
 * The round engine: plain, synchronous functions over the object's SQLite storage. Each runs
 * between two awaits of the object, so no other message interleaves with it, and everything it
 * decides is written before any frame it sends leaves (the output gate holds them until then).
 */
export interface ClusterIo {
  sql: SqlStorage;
  clusterId: string;
  now: number;
  /** To the agents' authenticated sockets; an agent without one simply misses the frame. */
  send(agentIds: readonly string[], message: ServerMessage): void;
  disconnect(agentId: string, code: number, reason: string): void;
  /** Called once a round reaches a final phase, so the object can answer whoever waits on it. */
  settled(round: Round): void;
}

export type NewRound = Pick<Round, "proposal_id" | "value" | "digest" | "priority" | "metadata" | "round_timeout_ms"> & {
  timeout_ms: number;
};

const iso = (ms: number) => new Date(ms).toISOString();

export const prePrepare = (clusterId: string, r: Round): ServerMessage => ({
  type: "pre_prepare",
  cluster_id: clusterId,
  proposal_id: r.proposal_id,
  view: r.view,
  sequence: r.sequence,
  n: r.voters.length,
  digest: r.digest,
  value_b64: toBase64(r.value),
  priority: r.priority,
  metadata: r.metadata,
});

/** Assigns the next sequence in the cluster's current view and sends the pre-prepare to the voters. */
export function startRound(io: ClusterIo, input: NewRound, voters: string[]): Round {
  const m = meta(io.sql)!;
  const sequence = m.sequence + 1;
  io.sql.exec("UPDATE meta SET sequence = ?", sequence);
  const { timeout_ms, ...fields } = input;
  const round: Round = {
    ...fields,
    sequence,
    voters,
    view: m.view,
    phase: "pre_prepare",
    started_at: io.now,
    view_started_at: io.now,
    deadline: io.now + timeout_ms,
    finished_at: null,
    failure_reason: null,
    agreeing: [],
    certificate: null,
  };
  insertRound(io.sql, round);
  if (!voters.length) return failRound(io, round, "no_live_agents");
  io.send(voters, prePrepare(io.clusterId, round));
  return round;
}

/** Brings a voter that (re)connected up to date on the open rounds it votes in. */
export function catchUp(io: ClusterIo, agentId: string): void {
  for (const r of openRounds(io.sql)) {
    if (!r.voters.includes(agentId)) continue;
    io.send([agentId], prePrepare(io.clusterId, r));
    if (r.phase === "prepared") io.send([agentId], { type: "prepared", view: r.view, sequence: r.sequence, digest: r.digest });
  }
}

export type VoteCheck = { ok: true; round: Round } | { ok: false; code: string; message: string };

/** Whether a vote could count at all: asked before its signature is checked, and again after. */
export function checkVote(sql: SqlStorage, a: AgentRow | null, vote: VoteMessage): VoteCheck {
  if (!a) return { ok: false, code: "unknown_agent", message: "The agent is not registered" };
  if (a.status === "BYZANTINE")
    return { ok: false, code: "byzantine", message: "The agent is BYZANTINE; its votes no longer count" };
  if (a.deactivated_at !== null) return { ok: false, code: "deactivated", message: "The agent is deactivated" };
  const round = roundBySequence(sql, vote.sequence);
  if (!round || !isOpen(round)) return { ok: false, code: "round_closed", message: `No open round at sequence ${vote.sequence}` };
  if (!round.voters.includes(a.id)) return { ok: false, code: "not_a_voter", message: "The agent is not a voter of this round" };
  if (vote.view !== round.view) return { ok: false, code: "stale_view", message: `The round is in view ${round.view}` };
  return { ok: true, round };
}

/**
 * Records a vote whose signature verified. A second digest signed by the same agent in the same
 * (view, sequence) is equivocation: the agent is marked BYZANTINE with both votes as evidence.
 */
export function recordVote(
  io: ClusterIo,
  agentId: string,
  vote: VoteMessage,
  round: Round,
): "counted" | "duplicate" | "byzantine" {
  const conflict = conflictingVote(io.sql, agentId, vote.view, vote.sequence, vote.digest);
  if (conflict) {
    markByzantine(io, round, conflict, { ...vote, agent_id: agentId });
    return "byzantine";
  }
  const inserted = io.sql
    .exec(
      "INSERT OR IGNORE INTO votes (sequence, view, phase, agent_id, digest, signature, received_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING agent_id",
      vote.sequence,
      vote.view,
      vote.type,
      agentId,
      vote.digest,
      vote.signature,
      io.now,
    )
    .toArray().length;
  if (!inserted) return "duplicate";
  if (vote.digest === round.digest) advance(io, round);
  return "counted";
}

/** PREPARE quorum → `prepared` (the voters' cue to COMMIT); COMMIT quorum of a prepared round → certificate. */
function advance(io: ClusterIo, round: Round): void {
  const quorum = quorumSize(round.voters.length);
  let r = round;
  if (r.phase === "pre_prepare" && matchingVotes(io.sql, r, "prepare").length >= quorum) {
    io.sql.exec("UPDATE rounds SET phase = 'prepared' WHERE sequence = ?", r.sequence);
    r = { ...r, phase: "prepared" };
    io.send(r.voters, { type: "prepared", view: r.view, sequence: r.sequence, digest: r.digest });
  }
  if (r.phase !== "prepared") return;
  const commits = matchingVotes(io.sql, r, "commit");
  if (commits.length >= quorum) commitRound(io, r, commits.slice(0, quorum));
}

function commitRound(io: ClusterIo, r: Round, commits: VoteRow[]): void {
  const n = r.voters.length;
  const certificate: QuorumCertificate = {
    protocol: PROTOCOL,
    cluster_id: io.clusterId,
    proposal_id: r.proposal_id,
    view: r.view,
    sequence: r.sequence,
    digest: r.digest,
    n,
    f: faultTolerance(n),
    quorum: quorumSize(n),
    voters: r.voters,
    signatures: commits.map((v) => ({ agent_id: v.agent_id, signature: v.signature })),
    committed_at: iso(io.now),
  };
  const signers = commits.map((v) => v.agent_id);
  const done: Round = { ...r, phase: "committed", finished_at: io.now, agreeing: signers, certificate };
  finish(io, done, signers);
  queueEvent(
    io.sql,
    `consensus.achieved:${r.sequence}`,
    achievedEvent(io.clusterId, { ...done, finished_at: io.now }, certificate),
    io.now,
  );
  io.send(r.voters, { type: "committed", sequence: r.sequence, certificate });
  io.settled(done);
}

function failRound(io: ClusterIo, r: Round, reason: string): Round {
  const agreeing = matchingVotes(io.sql, r, "prepare").map((v) => v.agent_id);
  const done: Round = { ...r, phase: "failed", finished_at: io.now, failure_reason: reason, agreeing };
  finish(io, done, []);
  queueEvent(
    io.sql,
    `consensus.failed:${r.sequence}`,
    failedEvent(io.clusterId, { ...done, finished_at: io.now }, reason, agreeing),
    io.now,
  );
  io.send(r.voters, { type: "round_failed", sequence: r.sequence, reason });
  io.settled(done);
  return done;
}

/** Writes the final round, settles each voter's metrics and reputation, and drops the round's votes. */
function finish(io: ClusterIo, r: Round, committers: string[]): void {
  io.sql.exec(
    "UPDATE rounds SET phase = ?, finished_at = ?, failure_reason = ?, agreeing = ?, certificate = ? WHERE sequence = ?",
    r.phase,
    r.finished_at,
    r.failure_reason,
    JSON.stringify(r.agreeing),
    r.certificate ? JSON.stringify(r.certificate) : null,
    r.sequence,
  );
  const answered = new Map(matchingVotes(io.sql, r, "prepare").map((v) => [v.agent_id, v.received_at - r.view_started_at]));
  for (const id of r.voters) {
    const a = agent(io.sql, id);
    if (!a) continue;
    const committed = committers.includes(id);
    const responseMs = answered.get(id);
    const delta =
      a.status === "BYZANTINE" ? 0 : committed ? REPUTATION.committed : responseMs === undefined ? REPUTATION.missed : 0;
    changeAgent(
      io.sql,
      id,
      "rounds_assigned = rounds_assigned + 1, tasks_completed = tasks_completed + ?, response_ms_total = response_ms_total + ?, response_samples = response_samples + ?, reputation = ?",
      committed ? 1 : 0,
      responseMs ?? 0,
      responseMs === undefined ? 0 : 1,
      clampReputation(a.reputation + delta),
    );
  }
  io.sql.exec("DELETE FROM votes WHERE sequence = ?", r.sequence);
}

/**
 * Stalled views move on: the cluster's view advances and the same value is re-proposed for the
 * same sequence, so earlier votes stay on record but no longer count. Past its deadline a round fails.
 */
export function tick(io: ClusterIo): void {
  for (const r of openRounds(io.sql)) {
    if (io.now >= r.deadline) failRound(io, r, "timeout");
    else if (io.now >= r.view_started_at + r.round_timeout_ms) changeView(io, r);
  }
}

function changeView(io: ClusterIo, r: Round): void {
  const view = Math.max(meta(io.sql)!.view, r.view) + 1;
  io.sql.exec("UPDATE meta SET view = ?", view);
  io.sql.exec(
    "UPDATE rounds SET view = ?, phase = 'pre_prepare', view_started_at = ? WHERE sequence = ?",
    view,
    io.now,
    r.sequence,
  );
  io.send(r.voters, prePrepare(io.clusterId, { ...r, view }));
}

/** When the next view change or deadline of an open round falls due, if any. */
export function nextRoundDue(sql: SqlStorage): number | null {
  const due = openRounds(sql).map((r) => Math.min(r.deadline, r.view_started_at + r.round_timeout_ms));
  return due.length ? Math.min(...due) : null;
}

function markByzantine(io: ClusterIo, r: Round, earlier: VoteRow, later: VoteMessage & { agent_id: string }): void {
  const evidence: EquivocationEvidence = {
    protocol: PROTOCOL,
    cluster_id: io.clusterId,
    agent_id: later.agent_id,
    view: later.view,
    sequence: later.sequence,
    n: r.voters.length,
    votes: [
      { phase: earlier.phase, digest: earlier.digest, signature: earlier.signature },
      { phase: later.type, digest: later.digest, signature: later.signature },
    ],
    detected_at: iso(io.now),
  };
  const id = insertEvidence(io.sql, evidence, io.now);
  changeAgent(io.sql, later.agent_id, "status = 'BYZANTINE', reputation = 0");
  queueEvent(io.sql, `agent.byzantine.detected:${id}`, byzantineEvent(io.clusterId, id, evidence), io.now);
  io.disconnect(later.agent_id, 1008, "equivocation: the agent is BYZANTINE");
}

export function resultOf(r: Round, now: number): ProposeResult {
  return {
    proposal_id: r.proposal_id,
    consensus_achieved: r.phase === "committed",
    view_number: r.view,
    sequence_number: r.sequence,
    consensus_time_ms: (r.finished_at ?? now) - r.started_at,
    agreeing_agents: r.agreeing,
    status: statusOf(r.phase),
    digest: r.digest,
    failure_reason: r.failure_reason,
    certificate: r.certificate,
  };
}
