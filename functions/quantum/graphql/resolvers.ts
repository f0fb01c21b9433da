import { z } from "@hono/zod-openapi";
import type { AgentStatus } from "../../../schema/consensus";
import { ApiError } from "../../platform/errors";
import { agentMetricsOver, deactivateAgent, updateAgent, type TimeRange } from "../consensus/agent-lifecycle";
import { AgentListQuery, RegisterAgentRequest } from "../consensus/agent-schemas";
import { agentView, findAgent, listAgents, registerAgent } from "../consensus/agents";
import { coordinateAction, type ActionOutcome } from "../consensus/coordination";
import type { ClusterStatus } from "../consensus/rpc";
import { consensusStatus } from "../consensus/service";
import { defined, guarded, parseInput, type GraphQLContext } from "./context";
import { DateTimeScalar, JSONScalar } from "./scalars";
import { subscriptionResolvers } from "./subscriptions";

/** Queries and mutations: each maps GraphQL arguments onto the consensus service functions REST uses too. */

type AgentView = ReturnType<typeof agentView>;
type MetricsView = Omit<AgentView["metrics"], "agent_id"> & { time_range: TimeRange };

const toMetrics = (m: MetricsView) => ({
  cpuUsage: m.cpu_usage,
  memoryUsage: m.memory_usage,
  tasksCompleted: m.tasks_completed,
  roundsAssigned: m.rounds_assigned,
  successRate: m.success_rate,
  averageResponseTime: m.average_response_time_ms,
  invalidSignatures: m.invalid_signatures,
  reputation: m.reputation,
  timeRange: m.time_range,
  measuredSince: m.measured_since,
});

const toAgent = (a: AgentView) => ({
  id: a.agent_id,
  name: a.name,
  status: a.status,
  capabilities: a.capabilities,
  reputation: a.reputation,
  lastHeartbeat: a.last_heartbeat,
  metadata: a.metadata,
  metrics: toMetrics({ ...a.metrics, time_range: "ALL_TIME" }),
  endpoint: a.endpoint,
  publicKey: a.public_key,
  createdAt: a.created_at,
  deactivatedAt: a.deactivated_at,
});

const toStatus = (s: ClusterStatus) => ({
  status: s.status,
  totalAgents: s.total_agents,
  liveAgents: s.live_agents,
  byzantineAgents: s.byzantine_agents,
  byzantineTolerance: s.byzantine_tolerance,
  quorumSize: s.quorum_size,
  currentView: s.current_view,
  currentSequence: s.current_sequence,
  openRounds: s.open_rounds,
  agents: (s.agents ?? []).map((a) => ({
    agentId: a.agent_id,
    name: a.name,
    status: a.status,
    reputation: a.reputation,
    connected: a.connected,
    lastHeartbeat: a.last_heartbeat,
  })),
  recentRounds: (s.history ?? []).map((r) => ({
    proposalId: r.proposal_id,
    sequence: r.sequence,
    view: r.view,
    status: r.status.toUpperCase(),
    digest: r.digest,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    failureReason: r.failure_reason,
  })),
});

const toActionResult = (r: ActionOutcome) => ({
  actionId: r.action_id,
  success: r.success,
  executionTime: r.execution_time_ms,
  results: r.results,
  failedAgents: r.failed_agents,
  failures: r.failures.map((f) => ({ agentId: f.agent_id, reason: f.reason.toUpperCase(), error: f.error })),
});

/** The REST update schema's fields, all optional and without defaults (an omitted field is left as it is). */
const { name, endpoint, capabilities, metadata } = RegisterAgentRequest.shape;
const UpdateAgentRequest = z.object({
  name: name.optional(),
  endpoint: endpoint.optional(),
  capabilities: capabilities.unwrap().optional(),
  metadata: metadata.unwrap().optional(),
});

type Args<T> = { [K in keyof T]: T[K] | null };
type RegisterInput = { name: string; capabilities: string[]; endpoint: string; publicKey: string; metadata?: unknown };
type CoordinateInput = { action: string; targetAgents: string[]; parameters: unknown; timeout?: number | null };

const tenant = (ctx: GraphQLContext) => ctx.principal.tenantId;

const Query = {
  agent: (_: unknown, { id }: { id: string }, ctx: GraphQLContext) =>
    guarded(ctx, "read", async () => {
      try {
        return toAgent(agentView(await findAgent(ctx.deps, tenant(ctx), id)));
      } catch (err) {
        // The seed's agent(id) is nullable: another tenant's id, like an unknown one, is simply null.
        if (err instanceof ApiError && err.code === "not_found") return null;
        throw err;
      }
    }),
  agents: (
    _: unknown,
    args: Args<{ status: AgentStatus; capability: string; limit: number; offset: number }>,
    ctx: GraphQLContext,
  ) =>
    guarded(ctx, "read", async () => {
      const q = parseInput(AgentListQuery, defined(args));
      const page = await listAgents(ctx.deps, tenant(ctx), q);
      return {
        nodes: page.agents.map(toAgent),
        totalCount: page.total_count,
        pageInfo: {
          hasNextPage: q.offset + page.agents.length < page.total_count,
          hasPreviousPage: q.offset > 0,
          limit: q.limit,
          offset: q.offset,
        },
      };
    }),
  agentMetrics: (_: unknown, args: { agentId: string; timeRange: TimeRange }, ctx: GraphQLContext) =>
    guarded(ctx, "read", async () => toMetrics(await agentMetricsOver(ctx.deps, tenant(ctx), args.agentId, args.timeRange))),
  coordinationStatus: (_: unknown, _args: unknown, ctx: GraphQLContext) =>
    guarded(ctx, "read", async () =>
      toStatus(await consensusStatus(ctx.deps, tenant(ctx), { include_agents: true, include_history: true })),
    ),
};

const Mutation = {
  registerAgent: (_: unknown, { input }: { input: RegisterInput }, ctx: GraphQLContext) =>
    guarded(ctx, "manage", async () => {
      const body = parseInput(RegisterAgentRequest, {
        ...defined({ name: input.name, endpoint: input.endpoint, capabilities: input.capabilities, metadata: input.metadata }),
        public_key: input.publicKey,
      });
      return toAgent(await registerAgent(ctx.deps, tenant(ctx), body));
    }),
  updateAgent: (_: unknown, { id, input }: { id: string; input: Record<string, unknown> }, ctx: GraphQLContext) =>
    guarded(ctx, "manage", async () =>
      toAgent(await updateAgent(ctx.deps, tenant(ctx), id, parseInput(UpdateAgentRequest, defined(input)))),
    ),
  coordinateAction: (_: unknown, { input }: { input: CoordinateInput }, ctx: GraphQLContext) =>
    guarded(ctx, "manage", async () => {
      const outcome = await coordinateAction(ctx.deps, tenant(ctx), {
        action: input.action,
        target_agents: input.targetAgents,
        parameters: input.parameters,
        timeout_ms: input.timeout,
      });
      return toActionResult(outcome);
    }),
  deactivateAgent: (_: unknown, { id }: { id: string }, ctx: GraphQLContext) =>
    guarded(ctx, "manage", async () => {
      await deactivateAgent(ctx.deps, tenant(ctx), id);
      return true;
    }),
};

export const resolvers = {
  DateTime: DateTimeScalar,
  JSON: JSONScalar,
  Query,
  Mutation,
  Subscription: subscriptionResolvers,
};
