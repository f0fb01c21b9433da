import { DurableObject } from "cloudflare:workers";
import { randomHex } from "../functions/platform/ids";
import { createLogger, parseLogLevel, type Logger } from "../functions/platform/log";
import type { NewEvent } from "../functions/platform/events/model";
import { coordinationEvent } from "../functions/quantum/consensus/events";
import { authMessage, type QuorumCertificate } from "../functions/quantum/consensus/model";
import { parseAgentMessage, type HeartbeatReport } from "../functions/quantum/consensus/protocol";
import type {
  AgentActivity,
  AgentChange,
  ClusterStatus,
  CoordinateInput,
  CoordinateResult,
  EnrolledAgent,
  HeartbeatOutcome,
  ProposeInput,
  ProposeOutcome,
  RoundStatus,
  StoredEvidence,
} from "../functions/quantum/consensus/rpc";
import { digestOf, importPublicKey, verifySignature } from "../functions/quantum/consensus/verify";
import { catchUp, nextRoundDue, resultOf, startRound, tick, type ClusterIo } from "./consensus-rounds";
import { ActionDispatcher, unreachable } from "./consensus-actions";
import { applyHeartbeat, clusterStatus, deactivate, liveVoters, markOffline, signedHeartbeat } from "./consensus-sessions";
import {
  admitSocket,
  agentSockets,
  connectedAgents,
  openAgentSocket,
  reply,
  sessionOf,
  socketsDue,
  sweepSockets,
  type Session,
} from "./consensus-sockets";
import {
  activitySince,
  agent,
  insertAgent,
  CONSENSUS_SCHEMA,
  changeAgent,
  ensureMeta,
  isOpen,
  listEvidence,
  meta,
  queueEvent,
  roundByProposal,
  roundBySequence,
  statusOf,
  type Round,
} from "./consensus-store";
import { hasPending, pushOut } from "./consensus-sync";
import { receiveVote } from "./consensus-votes";
import { applySchema } from "./sql-schema";

/**
 * One object per tenant: its consensus cluster. It is the leader of every round (the only
 * proposer), holds each agent's WebSocket (hibernation API: the session rides in the socket's
 * attachment), and keeps agents, rounds, votes, certificates and evidence in SQLite, so an evicted
 * or restarted object resumes its open rounds from storage: the alarm drives view changes and
 * deadlines, reconnecting agents are sent the open rounds again, and a proposer that re-asks with
 * the same proposal_id waits on the same round. Agents' live fields and pipeline events leave
 * through an outbox (consensus-sync.ts) after the storage write.
 */
export class ConsensusCluster extends DurableObject<Env> {
  private readonly keys = new Map<string, CryptoKey | null>();
  private readonly waiters = new Map<number, ((r: Round) => void)[]>();
  private readonly actions = new ActionDispatcher();
  private syncing: Promise<void> = Promise.resolve();
  private readonly log: Logger;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    applySchema(ctx.storage.sql, CONSENSUS_SCHEMA);
    this.log = createLogger(parseLogLevel(env.LOG_LEVEL), { durable_object: "ConsensusCluster" });
  }

  private get sql(): SqlStorage {
    return this.ctx.storage.sql;
  }

  /** Adds a registered agent (OFFLINE until it connects); its D1 row already holds these fields. */
  async enrollAgent(clusterId: string, a: EnrolledAgent): Promise<void> {
    ensureMeta(this.sql, clusterId);
    const now = Date.now();
    insertAgent(this.sql, a, now);
    queueEvent(this.sql, `agent.registered:${a.id}`, a.event, now);
    await this.settle();
  }

  /** Runs a round (or joins the one already running under this proposal_id) and answers when it ends. */
  async propose(clusterId: string, input: ProposeInput): Promise<ProposeOutcome> {
    ensureMeta(this.sql, clusterId);
    const digest = await digestOf(input.value);
    const existing = roundByProposal(this.sql, input.proposal_id);
    if (existing && existing.digest !== digest)
      return { ok: false, code: "conflict", message: `Proposal ${input.proposal_id} already exists with a different value` };
    const round =
      existing ?? startRound(this.io(), { ...input, digest }, liveVoters(this.sql, connectedAgents(this.ctx), Date.now()));
    await this.settle();
    // Votes may have finished the round during that await: read it again, and register the
    // waiter in the same turn as the read, so a round that settles later still wakes it.
    const current = roundBySequence(this.sql, round.sequence) ?? round;
    const final = isOpen(current) ? await this.untilFinal(current) : current;
    await this.settle();
    return { ok: true, result: resultOf(final, Date.now()) };
  }

  status(options: { includeAgents: boolean; includeHistory: boolean }): ClusterStatus {
    return clusterStatus(this.sql, connectedAgents(this.ctx), Date.now(), options);
  }

  certificate(sequence: number): { status: RoundStatus; certificate: QuorumCertificate | null } | null {
    const r = roundBySequence(this.sql, sequence);
    if (!r) return null;
    return { status: statusOf(r.phase), certificate: r.certificate };
  }

  evidence(agentId: string | null, limit: number): StoredEvidence[] {
    return listEvidence(this.sql, agentId, limit);
  }

  activity(agentId: string, since: number): AgentActivity {
    return activitySince(this.sql, agentId, since);
  }

  /** Sends the action to each named agent's socket and gathers their answers until all are in or the timeout passes. */
  async coordinate(clusterId: string, input: CoordinateInput): Promise<CoordinateResult> {
    ensureMeta(this.sql, clusterId);
    const connected = connectedAgents(this.ctx);
    const result = await this.actions.dispatch(
      input,
      (id) => unreachable(agent(this.sql, id), connected.has(id)),
      (id, frame) => agentSockets(this.ctx, id).forEach((ws) => reply(ws, frame)),
    );
    queueEvent(this.sql, `coordination:${input.action_id}`, coordinationEvent(clusterId, input, result), Date.now());
    await this.settle();
    return result;
  }

  /** The object's copy of the registration is the name only; false when the agent is unknown. */
  async updateAgent(agentId: string, change: AgentChange): Promise<boolean> {
    if (!agent(this.sql, agentId)) return false;
    if (change.name !== undefined) changeAgent(this.sql, agentId, "name = ?", change.name);
    queueEvent(this.sql, `agent.updated:${agentId}:${randomHex(8)}`, change.event, Date.now());
    await this.settle();
    return true;
  }

  /** Deactivates for good and closes the agent's socket; idempotent. False when the agent is unknown. */
  async deactivateAgent(agentId: string, event: NewEvent): Promise<boolean> {
    if (!agent(this.sql, agentId)) return false;
    if (deactivate(this.sql, agentId, Date.now())) {
      queueEvent(this.sql, `agent.deactivated:${agentId}`, event, Date.now());
      for (const ws of this.ctx.getWebSockets(agentId)) ws.close(1008, "the agent is deactivated");
      this.actions.disconnected(agentId);
    }
    await this.settle();
    return true;
  }

  /** A REST heartbeat, signed by the agent (see signedHeartbeat). */
  async signedHeartbeat(
    agentId: string,
    hb: HeartbeatReport & { timestamp: number; signature: string },
  ): Promise<HeartbeatOutcome> {
    const connected = connectedAgents(this.ctx).has(agentId);
    const outcome = await signedHeartbeat(this.sql, await this.key(agentId), agentId, hb, connected, Date.now());
    await this.settle();
    return outcome;
  }

  /** The agent's WebSocket (see openAgentSocket). */
  override async fetch(request: Request): Promise<Response> {
    const res = openAgentSocket(this.ctx, request);
    if (res.status === 101) await this.schedule();
    return res;
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const session = sessionOf(ws);
    const message = parseAgentMessage(data);
    if (!session) return ws.close(1011, "no session");
    if (!message) return reply(ws, { type: "error", code: "bad_message", message: "Not a message of the protocol" });
    if (message.type === "auth") return this.authenticate(ws, session, message.signature);
    if (!session.authed) return reply(ws, { type: "error", code: "not_authenticated", message: "Answer the challenge first" });
    if (message.type === "heartbeat") {
      const a = agent(this.sql, session.agentId);
      if (a) applyHeartbeat(this.sql, a, Date.now(), message, true);
      reply(ws, { type: "heartbeat_ack", server_time: Date.now() });
      return this.settle();
    }
    if (message.type === "action_result") return this.actions.answered(session.agentId, message);
    await receiveVote(this.sql, ws, session.agentId, message, await this.key(session.agentId), () => this.io());
    await this.settle();
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    await this.dropped(ws);
    try {
      ws.close(code === 1005 ? 1000 : code, "closed");
    } catch {
      // Already closed.
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.dropped(ws);
  }

  /** View changes, deadlines, silent agents and unanswered challenges all fall due here. */
  override async alarm(): Promise<void> {
    if (!meta(this.sql)) return;
    const io = this.io();
    tick(io);
    sweepSockets(this.ctx, io.now);
    await this.settle();
  }

  private async authenticate(ws: WebSocket, session: Session, signature: string): Promise<void> {
    if (session.authed) return reply(ws, { type: "error", code: "already_authenticated", message: "Already authenticated" });
    const message = authMessage(meta(this.sql)!.cluster_id, session.agentId, session.nonce);
    const valid = await verifySignature(await this.key(session.agentId), signature, message);
    if (admitSocket(this.ctx, ws, session, valid)) catchUp(this.io(), session.agentId);
    await this.settle();
  }

  private async dropped(ws: WebSocket): Promise<void> {
    const session = sessionOf(ws);
    if (!session?.authed || agentSockets(this.ctx, session.agentId).some((o) => o !== ws)) return;
    this.actions.disconnected(session.agentId);
    markOffline(this.sql, session.agentId);
    await this.settle();
  }

  /** Storage first, then the outbox, then the alarm for whatever falls due next. */
  private async settle(): Promise<void> {
    const clusterId = meta(this.sql)?.cluster_id;
    if (clusterId) {
      this.syncing = this.syncing
        .then(() => pushOut(this.env, this.sql, clusterId, this.log))
        .catch((err) => this.log.warn("consensus outbox not delivered; the alarm retries", { error: String(err) }));
      await this.syncing;
    }
    await this.schedule();
  }

  private async schedule(): Promise<void> {
    const now = Date.now();
    const due = socketsDue(this.ctx);
    const round = nextRoundDue(this.sql);
    if (round !== null) due.push(round);
    if (hasPending(this.sql)) due.push(now + 5_000);
    if (due.length) await this.ctx.storage.setAlarm(Math.max(now, Math.min(...due)));
    else await this.ctx.storage.deleteAlarm();
  }

  /** Resolves when the round ends; a timer backs up the alarm so the caller hears by the deadline. */
  private untilFinal(round: Round): Promise<Round> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => void this.alarm(), Math.max(0, round.deadline - Date.now()) + 25);
      const done = (r: Round) => {
        clearTimeout(timer);
        resolve(r);
      };
      this.waiters.set(round.sequence, [...(this.waiters.get(round.sequence) ?? []), done]);
    });
  }

  private io(): ClusterIo {
    return {
      sql: this.sql,
      clusterId: meta(this.sql)!.cluster_id,
      now: Date.now(),
      send: (ids, message) => {
        for (const id of ids) for (const ws of agentSockets(this.ctx, id)) reply(ws, message);
      },
      disconnect: (id, code, reason) => {
        for (const ws of agentSockets(this.ctx, id)) ws.close(code, reason);
      },
      settled: (r) => {
        for (const resolve of this.waiters.get(r.sequence) ?? []) resolve(r);
        this.waiters.delete(r.sequence);
      },
    };
  }

  private async key(agentId: string): Promise<CryptoKey | null> {
    // Keys never change once enrolled, so each is imported once per instance.
    if (!this.keys.has(agentId)) {
      const a = agent(this.sql, agentId);
      if (!a) return null;
      this.keys.set(agentId, await importPublicKey(a.public_key));
    }
    return this.keys.get(agentId) ?? null;
  }
}
