import { DurableObject } from "cloudflare:workers";
import { randomHex } from "../functions/platform/ids";
import { createLogger, parseLogLevel, type Logger } from "../functions/platform/log";
import {
  authMessage,
  HEARTBEAT_INTERVAL_MS,
  REPUTATION,
  voteMessage,
  type QuorumCertificate,
} from "../functions/quantum/consensus/model";
import { parseAgentMessage, type HeartbeatReport, type VoteMessage } from "../functions/quantum/consensus/protocol";
import type {
  ClusterStatus,
  EnrolledAgent,
  HeartbeatOutcome,
  ProposeInput,
  ProposeOutcome,
  RoundStatus,
  StoredEvidence,
} from "../functions/quantum/consensus/rpc";
import { digestOf, importPublicKey, verifySignature } from "../functions/quantum/consensus/verify";
import { catchUp, checkVote, nextRoundDue, recordVote, resultOf, startRound, tick, type ClusterIo } from "./consensus-rounds";
import {
  applyHeartbeat,
  clusterStatus,
  countInvalidSignature,
  liveVoters,
  markOffline,
  signedHeartbeat,
} from "./consensus-sessions";
import { agentSockets, connectedAgents, reply, sessionOf, socketsDue, sweepSockets, type Session } from "./consensus-sockets";
import {
  agent,
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
    this.sql.exec(
      "INSERT OR IGNORE INTO agents (id, name, public_key, reputation, created_at, rev, mirrored_rev) VALUES (?, ?, ?, ?, ?, 1, 1)",
      a.id,
      a.name,
      a.publicKey,
      REPUTATION.initial,
      now,
    );
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
    const final = isOpen(round) ? await this.untilFinal(round) : round;
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

  /** The agent's WebSocket: the Worker has checked the tenant's credentials; the agent proves its key here. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket")
      return new Response("expected a WebSocket upgrade", { status: 426 });
    const agentId = request.headers.get("X-Vigil-Agent") ?? "";
    // An enrolled agent means the cluster id is already known: enrollment records it.
    const a = agent(this.sql, agentId);
    if (!a) return new Response("unknown agent", { status: 404 });
    if (a.status === "BYZANTINE") return new Response("the agent is BYZANTINE", { status: 403 });
    const { cluster_id } = meta(this.sql)!;
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [agentId]);
    const session: Session = { agentId, nonce: randomHex(32), authed: false, openedAt: Date.now() };
    server.serializeAttachment(session);
    reply(server, { type: "challenge", nonce: session.nonce, cluster_id, agent_id: agentId });
    await this.schedule();
    return new Response(null, { status: 101, webSocket: client });
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
    return this.vote(ws, session.agentId, message);
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
    const clusterId = meta(this.sql)!.cluster_id;
    const valid = await verifySignature(
      await this.key(session.agentId),
      signature,
      authMessage(clusterId, session.agentId, session.nonce),
    );
    const a = agent(this.sql, session.agentId);
    if (!a || !valid || a.status === "BYZANTINE") {
      if (a && !valid) countInvalidSignature(this.sql, a);
      ws.close(1008, valid ? "the agent is BYZANTINE" : "authentication failed");
      return this.settle();
    }
    ws.serializeAttachment({ ...session, authed: true } satisfies Session);
    // One connection per agent: the newest wins, so a restarted agent never has to wait out its old socket.
    for (const other of agentSockets(this.ctx, session.agentId))
      if (other !== ws) other.close(4000, "replaced by a newer connection");
    changeAgent(this.sql, a.id, "status = 'ACTIVE', last_heartbeat = ?", Date.now());
    reply(ws, {
      type: "welcome",
      agent_id: a.id,
      cluster_id: clusterId,
      view: meta(this.sql)!.view,
      heartbeat_interval_ms: HEARTBEAT_INTERVAL_MS,
    });
    catchUp(this.io(), a.id);
    await this.settle();
  }

  private async vote(ws: WebSocket, agentId: string, vote: VoteMessage): Promise<void> {
    const refuse = (code: string, message: string) =>
      reply(ws, { type: "error", code, message, sequence: vote.sequence, view: vote.view });
    const pre = checkVote(this.sql, agent(this.sql, agentId), vote);
    if (!pre.ok) return refuse(pre.code, pre.message);
    const clusterId = meta(this.sql)!.cluster_id;
    const signed = voteMessage({
      ...vote,
      phase: vote.type,
      cluster_id: clusterId,
      agent_id: agentId,
      n: pre.round.voters.length,
    });
    const valid = await verifySignature(await this.key(agentId), vote.signature, signed);
    // Re-read after the await: another message may have moved the round on meanwhile.
    const a = agent(this.sql, agentId);
    const post = checkVote(this.sql, a, vote);
    if (!valid && a) {
      countInvalidSignature(this.sql, a);
      refuse("invalid_signature", "The vote's signature does not verify");
    } else if (!post.ok) refuse(post.code, post.message);
    else recordVote(this.io(), agentId, vote, post.round);
    await this.settle();
  }

  private async dropped(ws: WebSocket): Promise<void> {
    const session = sessionOf(ws);
    if (!session?.authed || agentSockets(this.ctx, session.agentId).some((o) => o !== ws)) return;
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
