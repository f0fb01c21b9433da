import { beforeAll, describe, expect, it } from "vitest";
import { clusterOf, ed25519Keys, TestAgent } from "./consensus-agents";
import { call, createTenant, postJson, quantumHeaders } from "./helpers";

/** The agent-orchestration GraphQL API at /v3/graphql: operations, limits, access, and three clients we did not write. */

type Gql = { data?: Record<string, any> | null; errors?: { message: string; extensions?: { code?: string } }[] };

async function gql(headers: Record<string, string>, query: string, variables: Record<string, unknown> = {}) {
  const res = await postJson("/v3/graphql", { query, variables }, { ...headers, Accept: "application/graphql-response+json" });
  return { status: res.status, body: (await res.json()) as Gql };
}

/** The data, failing the test with the errors when there are any. */
async function data(headers: Record<string, string>, query: string, variables: Record<string, unknown> = {}) {
  const { status, body } = await gql(headers, query, variables);
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  expect(status).toBe(200);
  return body.data!;
}

const codes = (body: Gql) => (body.errors ?? []).map((e) => e.extensions?.code);

const REGISTER = `mutation Register($input: RegisterAgentInput!) {
  registerAgent(input: $input) { id name status capabilities reputation lastHeartbeat metrics { tasksCompleted successRate } }
}`;

async function register(headers: Record<string, string>, name: string, capabilities = ["consensus"]) {
  const { publicKey } = await ed25519Keys();
  const input = { name, capabilities, endpoint: `https://agents.test/${name}`, publicKey, metadata: { zone: "eu" } };
  return (await data(headers, REGISTER, { input })).registerAgent as { id: string; name: string; status: string };
}

let tenantId: string;
let manage: Record<string, string>;
let reader: Record<string, string>;

beforeAll(async () => {
  tenantId = await createTenant(`graphql-${crypto.randomUUID().slice(0, 8)}`);
  manage = await quantumHeaders(tenantId, ["quantum:read", "consensus:manage"]);
  reader = await quantumHeaders(tenantId, ["quantum:read"]);
});

describe("GraphQL: queries and mutations", () => {
  it("registers agents and pages through them with filters, then reads one, its metrics and the cluster", async () => {
    const [a, b] = [await register(manage, "gq-scan-a", ["scan", "vote"]), await register(manage, "gq-scan-b", ["scan"])];
    await register(manage, "gq-vote", ["vote"]);
    expect(a).toMatchObject({ name: "gq-scan-a", status: "OFFLINE", capabilities: ["scan", "vote"], reputation: 1 });
    const page = `query Page($capability: String, $limit: Int, $offset: Int) {
      agents(capability: $capability, limit: $limit, offset: $offset, status: OFFLINE) {
        nodes { id name } totalCount pageInfo { hasNextPage hasPreviousPage limit offset } } }`;
    const first = (await data(reader, page, { capability: "scan", limit: 1, offset: 0 })).agents;
    expect(first).toEqual({
      nodes: [{ id: a.id, name: "gq-scan-a" }],
      totalCount: 2,
      pageInfo: { hasNextPage: true, hasPreviousPage: false, limit: 1, offset: 0 },
    });
    const second = (await data(reader, page, { capability: "scan", limit: 1, offset: 1 })).agents;
    expect(second.nodes).toEqual([{ id: b.id, name: "gq-scan-b" }]);
    expect(second.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect((await data(reader, `{ agents(status: ACTIVE) { totalCount } }`)).agents.totalCount).toBe(0);
    const bad = await gql(reader, `{ agents(limit: 500) { totalCount } }`);
    expect(codes(bad.body)).toEqual(["BAD_USER_INPUT"]);

    const one = await data(
      reader,
      `query One($id: ID!) { agent(id: $id) { id endpoint publicKey metadata createdAt deactivatedAt } }`,
      {
        id: a.id,
      },
    );
    expect(one.agent).toMatchObject({
      id: a.id,
      endpoint: "https://agents.test/gq-scan-a",
      metadata: { zone: "eu" },
      deactivatedAt: null,
    });
    const metrics = await data(
      reader,
      `query M($id: ID!) { agentMetrics(agentId: $id, timeRange: LAST_HOUR) {
      tasksCompleted roundsAssigned successRate cpuUsage timeRange measuredSince } }`,
      { id: a.id },
    );
    expect(metrics.agentMetrics).toMatchObject({
      tasksCompleted: 0,
      roundsAssigned: 0,
      successRate: null,
      cpuUsage: null,
      timeRange: "LAST_HOUR",
    });
    const status = await data(
      reader,
      `{ coordinationStatus { status totalAgents liveAgents quorumSize agents { agentId connected } recentRounds { sequence } } }`,
    );
    expect(status.coordinationStatus).toMatchObject({ status: "FAILED", totalAgents: 3, liveAgents: 0, recentRounds: [] });
    expect(status.coordinationStatus.agents).toHaveLength(3);
  });

  it("updates an agent's registration and deactivates it for good", async () => {
    const agent = await TestAgent.register(manage, "gq-lifecycle");
    await agent.connect();
    const update = `mutation U($id: ID!, $input: UpdateAgentInput!) { updateAgent(id: $id, input: $input) { id name capabilities endpoint metadata } }`;
    const updated = await data(manage, update, {
      id: agent.id,
      input: { name: "gq-renamed", capabilities: ["scan", "scan", "isolate"] },
    });
    expect(updated.updateAgent).toMatchObject({
      name: "gq-renamed",
      capabilities: ["scan", "isolate"],
      endpoint: "https://agents.test/gq-lifecycle",
    });
    await register(manage, "gq-taken");
    expect(codes((await gql(manage, update, { id: agent.id, input: { name: "gq-taken" } })).body)).toEqual(["CONFLICT"]);
    expect(codes((await gql(manage, update, { id: agent.id, input: {} })).body)).toEqual(["BAD_USER_INPUT"]);
    expect(codes((await gql(manage, update, { id: "agt_nope", input: { name: "x" } })).body)).toEqual(["NOT_FOUND"]);

    const before = (await data(reader, `{ coordinationStatus { totalAgents liveAgents } }`)).coordinationStatus;
    const welcomes = agent.seen("welcome");
    agent.reconnect = false;
    expect((await data(manage, `mutation D($id: ID!) { deactivateAgent(id: $id) }`, { id: agent.id })).deactivateAgent).toBe(
      true,
    );
    expect((await data(manage, `mutation D($id: ID!) { deactivateAgent(id: $id) }`, { id: agent.id })).deactivateAgent).toBe(
      true,
    );
    const after = (await data(reader, `{ coordinationStatus { totalAgents liveAgents } }`)).coordinationStatus;
    expect(after.totalAgents).toBe(before.totalAgents - 1);
    expect(after.liveAgents).toBe(before.liveAgents - 1);
    const row = (await data(reader, `query A($id: ID!) { agent(id: $id) { status deactivatedAt } }`, { id: agent.id })).agent;
    expect(row.status).toBe("OFFLINE");
    expect(row.deactivatedAt).toMatch(/^\d{4}-/);
    const refused = await call(`/v3/consensus/agents/${agent.id}/connect`, { headers: { ...manage, Upgrade: "websocket" } });
    expect(refused.status).toBe(410);
    expect(agent.seen("welcome")).toBe(welcomes);
    expect(codes((await gql(manage, update, { id: agent.id, input: { name: "gq-back" } })).body)).toEqual(["GONE"]);
  });
});

describe("GraphQL: coordinateAction", () => {
  it("sends the action to connected agents and gathers their answers within the timeout", async () => {
    const agents = await clusterOf(manage, ["honest", "honest", "silent"]);
    const [h1, h2, silent] = agents as [TestAgent, TestAgent, TestAgent];
    const mutation = `mutation C($input: CoordinateActionInput!) {
      coordinateAction(input: $input) { actionId success executionTime results failedAgents failures { agentId reason error } } }`;
    const input = { action: "ping", targetAgents: [h1.id, h2.id, silent.id], parameters: { n: 7 }, timeout: 1_000 };
    const started = Date.now();
    const out = (await data(manage, mutation, { input })).coordinateAction;
    const elapsed = Date.now() - started;
    expect(out).toMatchObject({
      success: false,
      failedAgents: [silent.id],
      failures: [{ agentId: silent.id, reason: "TIMEOUT", error: null }],
    });
    expect(Object.keys(out.results).sort()).toEqual([h1.id, h2.id].sort());
    expect(out.results[h1.id]).toEqual({ agent: h1.name, action: "ping", echo: { n: 7 } });
    expect(out.executionTime).toBeGreaterThanOrEqual(1_000);
    expect(elapsed).toBeLessThan(3_000);

    const quick = await data(manage, mutation, {
      input: { ...input, targetAgents: [h1.id, h2.id, "agt_nope"], timeout: 10_000 },
    });
    expect(quick.coordinateAction).toMatchObject({
      success: false,
      failedAgents: ["agt_nope"],
      failures: [{ reason: "UNKNOWN_AGENT" }],
    });
    expect(quick.coordinateAction.executionTime).toBeLessThan(5_000);
    const all = await data(manage, mutation, { input: { ...input, targetAgents: [h1.id, h2.id] } });
    expect(all.coordinateAction).toMatchObject({ success: true, failedAgents: [], failures: [] });
    expect(codes((await gql(manage, mutation, { input: { ...input, timeout: 50 } })).body)).toEqual(["BAD_USER_INPUT"]);

    // A committed round: the window's counts come from the cluster's round history, ALL_TIME from the lifetime counters.
    const proposed = await postJson("/v3/consensus/propose", { value: btoa("isolate node-9"), timeout_ms: 3000 }, manage);
    expect(((await proposed.json()) as { consensus_achieved: boolean }).consensus_achieved).toBe(true);
    const metricsOf = async (id: string, range: string) =>
      (
        await data(
          reader,
          `query M($id: ID!) { agentMetrics(agentId: $id, timeRange: ${range}) { roundsAssigned tasksCompleted } }`,
          { id },
        )
      ).agentMetrics as { roundsAssigned: number; tasksCompleted: number };
    for (const range of ["LAST_HOUR", "ALL_TIME"]) {
      const [m1, m2, m3] = await Promise.all([h1, h2, silent].map((a) => metricsOf(a.id, range)));
      expect([m1, m2, m3].map((m) => m!.roundsAssigned)).toEqual([1, 1, 1]);
      expect([m1!.tasksCompleted, m2!.tasksCompleted, m3!.tasksCompleted]).toEqual([1, 1, 0]);
    }
    agents.forEach((a) => a.close());
  });
});
