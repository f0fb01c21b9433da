import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextKey, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import type { Principal } from "../../platform/auth/principal";
import { ApiError } from "../../platform/errors";
import { requireConsensusAccess } from "./access";
import { agentMetrics, findAgent, registerAgent } from "./agents";
import { openHubEvents, type HubMessage } from "./hub-events";
import {
  AgentInfoSchema,
  ByzantineConsensus,
  ConsensusEventSchema,
  type ConsensusEvent,
} from "./gen/mwrasp/consensus/v3/byzantine_consensus_pb";
import { consensusStatus, proposeValue, type ConsensusDeps } from "./service";

/** The pipeline's consensus and agent events: what StreamConsensusEvents carries. */
const CONSENSUS_EVENT_TYPES = ["consensus.achieved", "consensus.failed", "agent.byzantine.detected", "agent.registered"];

/** What every call runs with: set per request by the route that hands the request to Connect. */
export interface CallScope {
  deps: ConsensusDeps;
  principal: Principal;
  url: string;
}
export const CALL_SCOPE = createContextKey<CallScope | null>(null);

/** ApiError codes as Connect codes, so a Connect client sees the same failure a REST client would. */
const CONNECT_CODE: Partial<Record<ApiError["code"], Code>> = {
  invalid_request: Code.InvalidArgument,
  malformed_json: Code.InvalidArgument,
  missing_credentials: Code.Unauthenticated,
  invalid_credentials: Code.Unauthenticated,
  unauthorized: Code.Unauthenticated,
  forbidden: Code.PermissionDenied,
  insufficient_scope: Code.PermissionDenied,
  not_found: Code.NotFound,
  conflict: Code.AlreadyExists,
  gone: Code.NotFound,
  payload_too_large: Code.ResourceExhausted,
  rate_limited: Code.ResourceExhausted,
  service_unavailable: Code.Unavailable,
};

async function scoped<T>(ctx: HandlerContext, access: "read" | "manage", run: (s: CallScope) => Promise<T>) {
  const s = ctx.values.get(CALL_SCOPE);
  if (!s) throw new ConnectError("no caller", Code.Internal);
  try {
    requireConsensusAccess(s.principal, access);
    return await run(s);
  } catch (err) {
    if (err instanceof ApiError) throw new ConnectError(err.message, CONNECT_CODE[err.code] ?? Code.Internal);
    throw err;
  }
}

/** The consensus event stream: the tenant hub's consensus and agent events, as ConsensusEvent messages. */
async function* consensusEvents(s: CallScope, types: string[], signal: AbortSignal): AsyncGenerator<ConsensusEvent> {
  const wanted = types.length ? types.filter((t) => CONSENSUS_EVENT_TYPES.includes(t)) : [...CONSENSUS_EVENT_TYPES];
  // The abort signal ends the iterator even while it waits, so the generator never outlives the call.
  for await (const m of await openHubEvents(s.deps.env, s.principal, wanted, s.url, signal)) yield toConsensusEvent(m);
}

/** A hub message as the seed's ConsensusEvent. */
function toConsensusEvent(m: HubMessage) {
  return create(ConsensusEventSchema, {
    eventType: m.type,
    timestamp: BigInt(m.event.timestamp),
    description: m.event.description,
    details: { event_id: m.event.id, severity: m.event.severity, system: m.event.system },
  });
}

export const consensusService: ServiceImpl<typeof ByzantineConsensus> = {
  proposeValue: (req, ctx) =>
    scoped(ctx, "manage", async (s) => {
      const r = await proposeValue(s.deps, s.principal.tenantId, {
        proposal_id: req.proposalId || undefined,
        value: req.value,
        priority: req.priority || 1,
        timeout_ms: Number(req.timeoutMs) || 5000,
        metadata: req.metadata,
      });
      return {
        proposalId: r.proposal_id,
        consensusAchieved: r.consensus_achieved,
        viewNumber: r.view_number,
        sequenceNumber: r.sequence_number,
        consensusTimeMs: BigInt(Math.round(r.consensus_time_ms)),
        agreeingAgents: r.agreeing_agents,
      };
    }),
  getConsensusStatus: (req, ctx) =>
    scoped(ctx, "read", async (s) => {
      const st = await consensusStatus(s.deps, s.principal.tenantId, {
        include_agents: req.includeAgents,
        include_history: req.includeHistory,
      });
      return {
        status: st.status,
        totalAgents: st.total_agents,
        byzantineAgents: st.byzantine_agents,
        byzantineTolerance: st.byzantine_tolerance,
        currentView: st.current_view,
        currentSequence: st.current_sequence,
        agents: (st.agents ?? []).map((a) =>
          create(AgentInfoSchema, {
            agentId: a.agent_id,
            name: a.name,
            status: a.status,
            reputation: a.reputation,
            connected: a.connected,
            lastHeartbeat: BigInt(a.last_heartbeat ? Date.parse(a.last_heartbeat) : 0),
          }),
        ),
      };
    }),
  async *streamConsensusEvents(req, ctx) {
    const s = await scoped(ctx, "read", async (s) => s);
    yield* consensusEvents(s, req.eventTypes, ctx.signal);
  },
  registerAgent: (req, ctx) =>
    scoped(ctx, "manage", async (s) => {
      const agent = await registerAgent(s.deps, s.principal.tenantId, {
        name: req.agentId,
        public_key: btoa(String.fromCharCode(...req.publicKey)),
        endpoint: req.endpoint,
        capabilities: Object.keys(req.capabilities),
        metadata: { ...req.capabilities },
      });
      return { agentId: agent.agent_id, registered: true, status: agent.status };
    }),
  getAgentMetrics: (req, ctx) =>
    scoped(ctx, "read", async (s) => {
      const agent = await findAgent(s.deps, s.principal.tenantId, req.agentId);
      const m = agentMetrics(agent);
      return {
        agentId: agent.id,
        tasksCompleted: BigInt(m.tasks_completed),
        successRate: m.success_rate ?? 0,
        meanResponseTimeMs: m.average_response_time_ms ?? 0,
        cpuUsage: m.cpu_usage ?? 0,
        memoryUsage: m.memory_usage ?? 0,
        reputation: m.reputation,
        status: agent.status,
        votesCast: BigInt(m.rounds_assigned),
        invalidSignatures: BigInt(m.invalid_signatures),
      };
    }),
};
