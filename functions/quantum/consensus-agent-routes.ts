import { createRoute } from "@hono/zod-openapi";
import { principalOf } from "../platform/auth/authenticate";
import { errorResponses, json } from "../platform/openapi";
import { createRouter } from "../platform/router";
import { requireConsensusAccess } from "./consensus/access";
import { consensusCommon as common, consensusDeps as depsOf, securityFor } from "./consensus/route-common";
import * as S from "./consensus/agent-schemas";
import { agentHeartbeat, agentMetrics, agentView, connectAgent, findAgent, listAgents, registerAgent } from "./consensus/agents";

const tags = ["Quantum defense: agents"];

const registerRoute = createRoute({
  ...common,
  tags,
  method: "post",
  path: "/v3/consensus/agents",
  operationId: "consensusRegisterAgent",
  summary: "Register an agent with its Ed25519 public key; it is OFFLINE until it connects and proves the key",
  description: "Names and public keys are unique within the tenant. Emits agent.registered. Needs consensus:manage.",
  security: securityFor("consensus:manage"),
  request: { body: { required: true, ...json(S.RegisterAgentRequest) } },
  responses: {
    201: { description: "Registered", ...json(S.AgentSchema) },
    ...errorResponses("quantum", 400, 401, 403, 409, 415, 429),
  },
});

const listRoute = createRoute({
  ...common,
  tags,
  method: "get",
  path: "/v3/consensus/agents",
  operationId: "consensusListAgents",
  summary: "The tenant's agents, oldest first, optionally by status or capability",
  security: securityFor("quantum:read"),
  request: { query: S.AgentListQuery },
  responses: {
    200: { description: "Agents", ...json(S.AgentListResponse) },
    ...errorResponses("quantum", 400, 401, 403, 429),
  },
});

const getRoute = createRoute({
  ...common,
  tags,
  method: "get",
  path: "/v3/consensus/agents/{agent_id}",
  operationId: "consensusGetAgent",
  summary: "One agent, with its status, reputation and metrics",
  security: securityFor("quantum:read"),
  request: { params: S.AgentParams },
  responses: {
    200: { description: "The agent", ...json(S.AgentSchema) },
    ...errorResponses("quantum", 401, 403, 404, 429),
  },
});

const metricsRoute = createRoute({
  ...common,
  tags,
  method: "get",
  path: "/v3/consensus/agents/{agent_id}/metrics",
  operationId: "consensusAgentMetrics",
  summary: "An agent's lifetime metrics: rounds, certified commits, response time, reported CPU and memory",
  security: securityFor("quantum:read"),
  request: { params: S.AgentParams },
  responses: {
    200: { description: "Metrics", ...json(S.AgentMetricsSchema) },
    ...errorResponses("quantum", 401, 403, 404, 429),
  },
});

const heartbeatRoute = createRoute({
  ...common,
  tags,
  method: "post",
  path: "/v3/consensus/agents/{agent_id}/heartbeat",
  operationId: "consensusAgentHeartbeat",
  summary: "A heartbeat signed with the agent's key, reporting liveness and metrics",
  description:
    "Keeps a connected agent live like a heartbeat over its socket does; an agent without a socket stays OFFLINE " +
    "(only a connected agent can vote) but its heartbeat time and metrics are recorded.",
  security: securityFor("quantum:read"),
  request: { params: S.AgentParams, body: { required: true, ...json(S.HeartbeatRequest) } },
  responses: {
    200: { description: "Recorded", ...json(S.HeartbeatResponse) },
    ...errorResponses("quantum", 400, 401, 403, 404, 410, 415, 429),
  },
});

const connectRoute = createRoute({
  ...common,
  tags,
  method: "get",
  path: "/v3/consensus/agents/{agent_id}/connect",
  operationId: "consensusAgentConnect",
  summary: "The agent's WebSocket to its cluster: challenge, votes and heartbeats",
  description:
    "JSON frames. Server: `challenge {nonce, cluster_id, agent_id}`; the agent answers `auth {signature}` over " +
    "`vigil-consensus-v1:auth:<cluster_id>:<agent_id>:<nonce>`. Then `pre_prepare {view, sequence, n, digest, value_b64, " +
    "…}` → agent `prepare {view, sequence, digest, signature}`; `prepared` → agent `commit {…}`; `committed " +
    "{certificate}` or `round_failed`. Votes are signed over `vigil-consensus-v1:<phase>:<cluster_id>:<agent_id>:<view>:" +
    "<sequence>:<n>:<digest>`. `heartbeat {status?, metrics?}` every `heartbeat_interval_ms` → `heartbeat_ack`; 30 s of " +
    "silence closes the socket and makes the agent OFFLINE. A newer connection replaces an older one. Coordinated " +
    "actions (GraphQL coordinateAction): `action {action_id, action, parameters}` → agent `action_result {action_id, ok, " +
    "result?, error?}`. A deactivated agent is refused (410) and its socket closed (1008).",
  security: securityFor("quantum:read"),
  request: { params: S.AgentParams },
  responses: {
    101: { description: "Switching to the WebSocket protocol" },
    ...errorResponses("quantum", 400, 401, 403, 404, 410, 429),
  },
});

export function consensusAgentRoutes() {
  return createRouter()
    .openapi(registerRoute, async (c) => {
      const p = principalOf(c);
      requireConsensusAccess(p, "manage");
      return c.json(await registerAgent(depsOf(c), p.tenantId, c.req.valid("json")), 201);
    })
    .openapi(listRoute, async (c) => {
      const p = principalOf(c);
      requireConsensusAccess(p, "read");
      return c.json(await listAgents(depsOf(c), p.tenantId, c.req.valid("query")), 200);
    })
    .openapi(getRoute, async (c) => {
      const p = principalOf(c);
      requireConsensusAccess(p, "read");
      return c.json(agentView(await findAgent(depsOf(c), p.tenantId, c.req.valid("param").agent_id)), 200);
    })
    .openapi(metricsRoute, async (c) => {
      const p = principalOf(c);
      requireConsensusAccess(p, "read");
      return c.json(agentMetrics(await findAgent(depsOf(c), p.tenantId, c.req.valid("param").agent_id)), 200);
    })
    .openapi(heartbeatRoute, async (c) => {
      const p = principalOf(c);
      requireConsensusAccess(p, "read");
      const { agent_id } = c.req.valid("param");
      return c.json(await agentHeartbeat(depsOf(c), p.tenantId, agent_id, c.req.valid("json")), 200);
    })
    .openapi(connectRoute, async (c) => {
      const p = principalOf(c);
      requireConsensusAccess(p, "read");
      return (await connectAgent(depsOf(c), p.tenantId, c.req.valid("param").agent_id, c.req.raw)) as never;
    });
}
