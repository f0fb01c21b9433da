import { z } from "@hono/zod-openapi";
import { AGENT_STATUSES } from "../../../schema/consensus";
import { LIVE_STATUSES } from "./protocol";

const isoTime = z.string().openapi({ format: "date-time" });

export const RegisterAgentRequest = z
  .object({
    name: z.string().min(1).max(100).openapi({ example: "sentinel-eu-1" }),
    public_key: z.string().min(1).max(100).openapi({
      description: "The agent's Ed25519 public key: the raw 32 bytes, standard padded base64",
      example: "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
    }),
    endpoint: z.url().max(2048).openapi({
      description: "Where the agent runs, for operators; Vigil never calls it",
      example: "https://agents.example.com/sentinel-eu-1",
    }),
    capabilities: z
      .array(z.string().min(1).max(64))
      .max(32)
      .default([])
      .openapi({ example: ["consensus", "isolation"] }),
    metadata: z.record(z.string(), z.unknown()).default({}),
  })
  .openapi("RegisterAgentRequest");

export const AgentMetricsSchema = z
  .object({
    agent_id: z.string(),
    cpu_usage: z.number().nullable().openapi({ description: "Percent, as the agent last reported it; null until it does" }),
    memory_usage: z.number().nullable().openapi({ description: "Percent, as the agent last reported it; null until it does" }),
    tasks_completed: z.number().int().openapi({ description: "Finished rounds whose certificate carries the agent's COMMIT" }),
    rounds_assigned: z.number().int().openapi({ description: "Finished rounds the agent was a voter in" }),
    success_rate: z
      .number()
      .nullable()
      .openapi({ description: "tasks_completed / rounds_assigned; null before the first round" }),
    average_response_time_ms: z
      .number()
      .nullable()
      .openapi({ description: "Mean time from a pre-prepare to the agent's PREPARE, over the rounds it answered" }),
    invalid_signatures: z.number().int(),
    reputation: z.number(),
    measured_since: isoTime,
  })
  .openapi("ConsensusAgentMetrics");

export const AgentSchema = z
  .object({
    agent_id: z.string(),
    name: z.string(),
    public_key: z.string(),
    endpoint: z.string(),
    capabilities: z.array(z.string()),
    metadata: z.record(z.string(), z.unknown()),
    status: z.enum(AGENT_STATUSES),
    reputation: z.number(),
    last_heartbeat: isoTime.nullable(),
    registered: z.literal(true),
    created_at: isoTime,
    deactivated_at: isoTime
      .nullable()
      .openapi({ description: "When the agent was deactivated (over GraphQL): OFFLINE for good, no longer a voter" }),
    metrics: AgentMetricsSchema,
  })
  .openapi("ConsensusAgent");

export const AgentParams = z.object({
  agent_id: z
    .string()
    .max(100)
    .openapi({ param: { name: "agent_id", in: "path" }, example: "agt_0123456789abcdef0123456789abcdef" }),
});

export const AgentListQuery = z.object({
  status: z.enum(AGENT_STATUSES).optional(),
  capability: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export const AgentListResponse = z
  .object({ agents: z.array(AgentSchema), total_count: z.number().int(), limit: z.number().int(), offset: z.number().int() })
  .openapi("ConsensusAgentList");

export const HeartbeatRequest = z
  .object({
    timestamp: z
      .number()
      .int()
      .openapi({ description: "Unix milliseconds; within 60 s of the server and later than the last one accepted" }),
    signature: z.string().min(1).max(200).openapi({
      description: "Standard base64 Ed25519 signature over `vigil-consensus-v1:heartbeat:<cluster_id>:<agent_id>:<timestamp>`",
    }),
    status: z.enum(LIVE_STATUSES).optional().openapi({ description: "What the agent reports itself as, when connected" }),
    metrics: z
      .object({ cpu_usage: z.number().min(0).max(100).optional(), memory_usage: z.number().min(0).max(100).optional() })
      .optional(),
  })
  .openapi("AgentHeartbeatRequest");

export const HeartbeatResponse = z
  .object({ agent_id: z.string(), status: z.enum(AGENT_STATUSES), last_heartbeat: isoTime })
  .openapi("AgentHeartbeatResponse");
