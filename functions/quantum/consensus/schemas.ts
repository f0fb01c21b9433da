import { z } from "@hono/zod-openapi";
import { AGENT_STATUSES } from "../../../schema/consensus";
import {
  DEFAULT_TIMEOUT_MS,
  MAX_ROUND_TIMEOUT_MS,
  MAX_TIMEOUT_MS,
  MIN_ROUND_TIMEOUT_MS,
  MIN_TIMEOUT_MS,
  VOTE_PHASES,
} from "./model";

const bool = z.enum(["true", "false"]).transform((v) => v === "true");
const isoTime = z.string().openapi({ format: "date-time" });
const digest = z.string().openapi({
  description: "Lowercase hex SHA-256 of the value",
  example: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
});

export const ProposeRequest = z
  .object({
    proposal_id: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,128}$/)
      .optional()
      .openapi({
        description: "The caller's id for the proposal (a UUID by default); re-sending it joins or returns the same round",
      }),
    value: z.string().min(1).openapi({
      description: "The value to agree on, standard padded base64; at most 64 KiB decoded",
      example: "aXNvbGF0ZSBub2RlLTc=",
    }),
    priority: z
      .number()
      .int()
      .min(1)
      .max(10)
      .default(1)
      .openapi({ description: "1-10; recorded and passed to the agents in the pre-prepare" }),
    timeout_ms: z.number().int().min(MIN_TIMEOUT_MS).max(MAX_TIMEOUT_MS).default(DEFAULT_TIMEOUT_MS).openapi({
      description: "How long the round may take, view changes included; the request waits for it",
    }),
    round_timeout_ms: z.number().int().min(MIN_ROUND_TIMEOUT_MS).max(MAX_ROUND_TIMEOUT_MS).optional().openapi({
      description: "How long one view may stall before the next view retries it (default: a third of timeout_ms, at most 2000)",
    }),
    metadata: z
      .record(z.string().max(64), z.string().max(512))
      .default({})
      .openapi({ description: "Passed to the agents with the value" }),
  })
  .refine((b) => Object.keys(b.metadata).length <= 32, { path: ["metadata"], message: "at most 32 metadata entries" })
  .openapi("ProposeRequest");

const Signature = z.object({
  agent_id: z.string(),
  signature: z.string().openapi({ description: "Standard base64 Ed25519 signature" }),
});

export const QuorumCertificateSchema = z
  .object({
    protocol: z.literal("vigil-consensus-v1"),
    cluster_id: z.string().openapi({ description: "The tenant id, part of every signed string" }),
    proposal_id: z.string(),
    view: z.number().int(),
    sequence: z.number().int(),
    digest,
    n: z.number().int().openapi({ description: "Voters in the round" }),
    f: z.number().int().openapi({ description: "⌊(n−1)/3⌋" }),
    quorum: z.number().int().openapi({ description: "2f+1" }),
    voters: z.array(z.string()),
    signatures: z.array(Signature).openapi({
      description:
        "COMMIT signatures, each over `vigil-consensus-v1:commit:<cluster_id>:<agent_id>:<view>:<sequence>:<n>:<digest>` (UTF-8)",
    }),
    committed_at: isoTime,
  })
  .openapi("QuorumCertificate");

export const ProposeResponse = z
  .object({
    proposal_id: z.string(),
    consensus_achieved: z.boolean(),
    view_number: z.number().int(),
    sequence_number: z.number().int(),
    consensus_time_ms: z.number().int(),
    agreeing_agents: z.array(z.string()).openapi({
      description: "The certificate's signers; for a failed round, the voters that PREPAREd the value in the last view",
    }),
    status: z.enum(["committed", "failed", "open"]),
    digest,
    failure_reason: z.string().nullable().openapi({ description: "`timeout` or `no_live_agents` when the round failed" }),
    certificate: QuorumCertificateSchema.nullable(),
  })
  .openapi("ProposeResponse");

const AgentLive = z.object({
  agent_id: z.string(),
  name: z.string(),
  status: z.enum(AGENT_STATUSES),
  reputation: z.number(),
  last_heartbeat: isoTime.nullable(),
  connected: z.boolean(),
});

const RoundSummary = z.object({
  proposal_id: z.string(),
  sequence: z.number().int(),
  view: z.number().int(),
  status: z.enum(["committed", "failed", "open"]),
  digest,
  started_at: isoTime,
  finished_at: isoTime.nullable(),
  failure_reason: z.string().nullable(),
});

export const StatusQuery = z.object({
  include_agents: bool.default(true).openapi({ type: "string", enum: ["true", "false"] }),
  include_history: bool.default(false).openapi({ type: "string", enum: ["true", "false"], description: "The last 20 rounds" }),
});

export const StatusResponse = z
  .object({
    status: z.enum(["HEALTHY", "DEGRADED", "FAILED"]).openapi({
      description:
        "Over the N registered agents with f = ⌊(N−1)/3⌋: FAILED when fewer than 2f+1 are live, DEGRADED when N − live ≥ f, else HEALTHY",
    }),
    total_agents: z.number().int(),
    byzantine_agents: z.number().int(),
    byzantine_tolerance: z.number().int().openapi({ description: "f for the registered cluster" }),
    current_view: z.number().int(),
    current_sequence: z.number().int().openapi({ description: "The last sequence number assigned" }),
    live_agents: z
      .number()
      .int()
      .openapi({ description: "Connected, heartbeating and not BYZANTINE: the voters a round would get now" }),
    quorum_size: z.number().int(),
    open_rounds: z.number().int(),
    agents: z.array(AgentLive).optional(),
    history: z.array(RoundSummary).optional(),
  })
  .openapi("ConsensusStatus");

export const SequenceParams = z.object({
  sequence: z.coerce
    .number()
    .int()
    .min(1)
    .openapi({ param: { name: "sequence", in: "path" }, example: 1 }),
});

export const EvidenceQuery = z.object({
  agent_id: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const EvidenceSchema = z
  .object({
    evidence_id: z.number().int(),
    protocol: z.literal("vigil-consensus-v1"),
    cluster_id: z.string(),
    agent_id: z.string(),
    view: z.number().int(),
    sequence: z.number().int(),
    n: z.number().int(),
    votes: z
      .array(z.object({ phase: z.enum(VOTE_PHASES), digest, signature: z.string() }))
      .openapi({ description: "Two votes by the agent for different digests at the same (view, sequence), both validly signed" }),
    detected_at: isoTime,
  })
  .openapi("EquivocationEvidence");

export const EvidenceResponse = z.object({ evidence: z.array(EvidenceSchema) }).openapi("EquivocationEvidenceList");
