/**
 * Byzantine consensus, PBFT-style, with the tenant's ConsensusCluster Durable Object as the only
 * proposer (the leader) and the tenant's connected agents as voters. A round binds one value to
 * one sequence number: the object sends a pre-prepare, collects Ed25519-signed PREPAREs, announces
 * `prepared` at a quorum, collects COMMITs, and the quorum of COMMITs is the round's certificate.
 *
 * With n voters the round tolerates f = ⌊(n−1)/3⌋ faulty ones and needs 2f+1 matching votes per
 * phase. n is fixed when a round starts: the agents then connected, live and not BYZANTINE (any
 * n ≥ 1 runs; below 4, f is 0 and every voter must answer). Because the object is the only
 * proposer and re-proposes the same value for a sequence in every view, a sequence can never be
 * bound to two values; views namespace the votes of each retry and make stalls visible.
 *
 * Everything an agent signs is a canonical string (below), so anyone holding the agents' public
 * keys can check a certificate or a piece of equivocation evidence offline (see verify.ts).
 */

export const PROTOCOL = "vigil-consensus-v1";
export const VOTE_PHASES = ["prepare", "commit"] as const;
export type VotePhase = (typeof VOTE_PHASES)[number];

export const faultTolerance = (n: number): number => (n >= 1 ? Math.floor((n - 1) / 3) : 0);
/**
 * The smallest vote count any two of which share an honest voter: ⌈(n + f + 1) / 2⌉. It is the
 * familiar 2f + 1 whenever n = 3f + 1 (4, 7, 16, 64 voters…); for other n, 2f + 1 would be too few
 * (three voters with f = 0 would commit on one vote), so the intersection bound decides.
 */
export const quorumSize = (n: number): number => Math.floor((n + faultTolerance(n)) / 2) + 1;

export interface VoteFields {
  phase: VotePhase;
  cluster_id: string;
  agent_id: string;
  view: number;
  sequence: number;
  /** Voters in the round: signing it stops a certificate from claiming a smaller quorum than it had. */
  n: number;
  /** Lowercase hex SHA-256 of the proposed value. */
  digest: string;
}

/**
 * `vigil-consensus-v1:<phase>:<cluster_id>:<agent_id>:<view>:<sequence>:<n>:<digest>`, UTF-8. The
 * agent id stops one key from voting as two agents; the cluster id (the tenant) stops a vote from
 * being replayed into another tenant's cluster. No field can contain a colon except the ids, which
 * are server-issued (`ten_…`, `agt_…`) and never do.
 */
export const voteMessage = (v: VoteFields): string =>
  `${PROTOCOL}:${v.phase}:${v.cluster_id}:${v.agent_id}:${v.view}:${v.sequence}:${v.n}:${v.digest}`;

/** What an agent signs to prove its key when its WebSocket opens: the object's fresh nonce. */
export const authMessage = (clusterId: string, agentId: string, nonce: string): string =>
  `${PROTOCOL}:auth:${clusterId}:${agentId}:${nonce}`;

/** What an agent signs for a REST heartbeat; the timestamp must exceed the last one accepted. */
export const heartbeatMessage = (clusterId: string, agentId: string, timestamp: number): string =>
  `${PROTOCOL}:heartbeat:${clusterId}:${agentId}:${timestamp}`;

export interface CertificateSignature {
  agent_id: string;
  /** Standard base64 of the 64-byte Ed25519 signature over the COMMIT's canonical string. */
  signature: string;
}

/** Proof that 2f+1 of a round's n voters committed to `digest` at (view, sequence). */
export interface QuorumCertificate {
  protocol: typeof PROTOCOL;
  cluster_id: string;
  proposal_id: string;
  view: number;
  sequence: number;
  digest: string;
  n: number;
  f: number;
  quorum: number;
  /** The round's voters: every signer must be one of them. */
  voters: string[];
  signatures: CertificateSignature[];
  committed_at: string;
}

export interface EvidenceVote {
  phase: VotePhase;
  digest: string;
  signature: string;
}

/** Two valid signatures by one agent for different digests at the same (view, sequence). */
export interface EquivocationEvidence {
  protocol: typeof PROTOCOL;
  cluster_id: string;
  agent_id: string;
  view: number;
  sequence: number;
  n: number;
  /** Exactly two. */
  votes: EvidenceVote[];
  detected_at: string;
}

/** Proposals: `timeout_ms` bounds the whole round (the HTTP request waits for it). */
export const MIN_TIMEOUT_MS = 100;
export const MAX_TIMEOUT_MS = 30_000;
export const DEFAULT_TIMEOUT_MS = 5_000;
/** A view that gathers no certificate within this is abandoned for the next view. */
export const MIN_ROUND_TIMEOUT_MS = 50;
export const MAX_ROUND_TIMEOUT_MS = 10_000;
export const defaultRoundTimeout = (timeoutMs: number): number =>
  Math.min(2_000, Math.max(MIN_ROUND_TIMEOUT_MS, Math.floor(timeoutMs / 3)));
/** Values travel in every pre-prepare and are kept with the round. */
export const MAX_VALUE_BYTES = 64 * 1024;

/** Agents heartbeat at this interval; silence for the timeout makes them OFFLINE (socket closed). */
export const HEARTBEAT_INTERVAL_MS = 10_000;
export const HEARTBEAT_TIMEOUT_MS = 30_000;
/** A socket that has not answered its challenge by then is closed. */
export const AUTH_TIMEOUT_MS = 10_000;
/** REST heartbeats: how far the signed timestamp may be from the object's clock. */
export const HEARTBEAT_SKEW_MS = 60_000;

/**
 * Reputation is bookkeeping shown to operators; it never weighs a vote. It starts at 1, rises by
 * 0.01 per round the agent's COMMIT is certified, falls by 0.02 per finished round it did not
 * commit to and by 0.05 per invalid signature, and drops to 0 when the agent is proven BYZANTINE.
 */
export const REPUTATION = { initial: 1, committed: 0.01, missed: -0.02, invalidSignature: -0.05 } as const;
export const clampReputation = (r: number): number => Math.round(Math.min(1, Math.max(0, r)) * 1000) / 1000;

/**
 * Health of the registered cluster (N agents, `live` of them connected, heartbeating and not
 * BYZANTINE), with f = ⌊(N−1)/3⌋: FAILED when fewer than 2f+1 are live (no quorum of the cluster
 * can form), DEGRADED when the faulty ones (N − live) have reached f, the most the cluster is
 * sized to tolerate, HEALTHY otherwise. A cluster of fewer than four agents tolerates no fault, so it
 * is at best DEGRADED.
 */
export function clusterHealth(total: number, live: number): "HEALTHY" | "DEGRADED" | "FAILED" {
  if (total === 0 || live < quorumSize(total)) return "FAILED";
  return total - live >= faultTolerance(total) ? "DEGRADED" : "HEALTHY";
}
