import { voteMessage } from "../functions/quantum/consensus/model";
import type { VoteMessage } from "../functions/quantum/consensus/protocol";
import { verifySignature } from "../functions/quantum/consensus/verify";
import { checkVote, recordVote, type ClusterIo } from "./consensus-rounds";
import { countInvalidSignature } from "./consensus-sessions";
import { reply } from "./consensus-sockets";
import { agent, meta } from "./consensus-store";

/**
 * A PREPARE or COMMIT from an authenticated socket: checked, its signature verified with the
 * agent's key, checked again (the verification awaited, and another message may have moved the
 * round on meanwhile) and recorded. Refusals go back to the agent as error frames.
 */
export async function receiveVote(
  sql: SqlStorage,
  ws: WebSocket,
  agentId: string,
  vote: VoteMessage,
  key: CryptoKey | null,
  io: () => ClusterIo,
): Promise<void> {
  const refuse = (code: string, message: string) =>
    reply(ws, { type: "error", code, message, sequence: vote.sequence, view: vote.view });
  const pre = checkVote(sql, agent(sql, agentId), vote);
  if (!pre.ok) return refuse(pre.code, pre.message);
  const signed = voteMessage({
    ...vote,
    phase: vote.type,
    cluster_id: meta(sql)!.cluster_id,
    agent_id: agentId,
    n: pre.round.voters.length,
  });
  const valid = await verifySignature(key, vote.signature, signed);
  const a = agent(sql, agentId);
  const post = checkVote(sql, a, vote);
  if (!valid && a) {
    countInvalidSignature(sql, a);
    refuse("invalid_signature", "The vote's signature does not verify");
  } else if (!post.ok) refuse(post.code, post.message);
  else recordVote(io(), agentId, vote, post.round);
}
