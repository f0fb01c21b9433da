import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { auditServer } from "graphql-http";
import { createClient as createSseClient } from "graphql-sse";
import { createClient as createWsClient } from "graphql-ws";
import { beforeAll, describe, expect, it } from "vitest";
import { ed25519Keys } from "./consensus-agents";
import { firstWhile, workerFetch, workerWebSocket } from "./graphql-clients";
import { adminHeaders, BASE, call, createTenant, eventually, postJson, quantumHeaders } from "./helpers";

/** /v3/graphql over the transports: GraphQL over HTTP (audited), SSE, graphql-sse and WebSocket; limits and access. */

type Gql = { data?: Record<string, any> | null; errors?: { message: string; extensions?: { code?: string } }[] };

async function gql(headers: Record<string, string>, query: string, variables: Record<string, unknown> = {}) {
  const res = await postJson("/v3/graphql", { query, variables }, { ...headers, Accept: "application/graphql-response+json" });
  return { status: res.status, body: (await res.json()) as Gql };
}

const codes = (body: Gql) => (body.errors ?? []).map((e) => e.extensions?.code);

let tenantId: string;
let manage: Record<string, string>;
let reader: Record<string, string>;
let counter = 0;

/** Registers an agent over GraphQL: the trigger of an agentEvents event. */
async function registerOne(headers: Record<string, string>): Promise<string> {
  const { publicKey } = await ed25519Keys();
  const input = { name: `gq-live-${counter++}`, capabilities: [], endpoint: "https://agents.test/live", publicKey };
  const { body } = await gql(headers, `mutation R($input: RegisterAgentInput!) { registerAgent(input: $input) { id } }`, {
    input,
  });
  expect(body.errors).toBeUndefined();
  return body.data!.registerAgent.id as string;
}

/** Subscribers on the tenant's hub: each subscription holds one (and a stream slot) until it ends. */
const hubSockets = () => runInDurableObject(env.TENANT_HUB.getByName(tenantId), (_, state) => state.getWebSockets().length);

const AGENT_EVENTS = "subscription { agentEvents { id eventType agentId timestamp severity details } }";

beforeAll(async () => {
  tenantId = await createTenant(`graphql-proto-${crypto.randomUUID().slice(0, 8)}`);
  manage = await quantumHeaders(tenantId, ["quantum:read", "consensus:manage"]);
  reader = await quantumHeaders(tenantId, ["quantum:read"]);
});

describe("GraphQL over HTTP", () => {
  it("passes graphql-http's server audit", async () => {
    const results = await auditServer({ url: `${BASE}/v3/graphql`, fetchFn: workerFetch(reader) });
    const failed = results.filter((r) => r.status !== "ok");
    const report = failed.map((r) => `${r.status}: ${r.name}${"reason" in r ? ` (${r.reason})` : ""}`);
    // eslint-disable-next-line no-console -- the audit's SHOULDs that do not pass are worth reading in the run
    if (report.length) console.info(`graphql-http audit, not ok:\n${report.join("\n")}`);
    expect(results.length).toBeGreaterThan(20);
    expect(failed.filter((r) => r.status === "error").map((r) => r.name)).toEqual([]);
  });

  it("refuses missing credentials, mutations by a read-only client, and other tenants' agents", async () => {
    expect((await postJson("/v3/graphql", { query: "{ coordinationStatus { status } }" })).status).toBe(401);
    const { publicKey } = await ed25519Keys();
    const input = { name: "gq-reader", capabilities: [], endpoint: "https://agents.test/r", publicKey };
    const refused = await gql(reader, `mutation R($input: RegisterAgentInput!) { registerAgent(input: $input) { id } }`, {
      input,
    });
    expect(codes(refused.body)).toEqual(["FORBIDDEN"]);
    expect(refused.body.data).toBeNull();
    const { body } = await gql(manage, `mutation R($input: RegisterAgentInput!) { registerAgent(input: $input) { id } }`, {
      input: { ...input, name: "gq-mine" },
    });
    const id = body.data!.registerAgent.id as string;
    const other = await quantumHeaders(await createTenant(`graphql-other-${crypto.randomUUID().slice(0, 8)}`), ["quantum:read"]);
    const theirs = await gql(other, `query A($id: ID!) { agent(id: $id) { id } }`, { id });
    expect(theirs.body).toEqual({ data: { agent: null } });
    const metrics = await gql(other, `query M($id: ID!) { agentMetrics(agentId: $id, timeRange: ALL_TIME) { tasksCompleted } }`, {
      id,
    });
    expect(codes(metrics.body)).toEqual(["NOT_FOUND"]);
  });

  it("rejects queries past the depth and cost limits before running them", async () => {
    const deep = `{ agents { nodes { metrics { a { b { c { d { e { f { g } } } } } } } } } }`;
    const tooDeep = await gql(reader, deep);
    expect(tooDeep.status).toBe(400);
    expect(codes(tooDeep.body)).toContain("QUERY_TOO_DEEP");
    const page = `agents(limit: 100) { nodes { id name status capabilities metrics { cpuUsage memoryUsage tasksCompleted successRate } } }`;
    // Each page costs 1010 (10 for the root field, 100 nodes of 10 fields): five are past the limit of 5000.
    const costly = await gql(reader, `{ a: ${page} b: ${page} c: ${page} d: ${page} e: ${page} }`);
    expect(costly.status).toBe(400);
    expect(codes(costly.body)).toEqual(["QUERY_TOO_COMPLEX"]);
    const bomb = `{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }`;
    // graphql's own MaxIntrospectionDepthRule.
    expect((await gql(reader, bomb)).body.errors![0]!.message).toBe("Maximum introspection depth exceeded");
    expect((await gql(reader, `{ a: ${page} }`)).status).toBe(200);
  });

  it("answers introspection unless the tenant turns it off", async () => {
    const query = `{ __schema { queryType { name } types { name fields { name args { name } } } } }`;
    const on = await gql(reader, query);
    expect(on.body.data!.__schema.queryType.name).toBe("Query");
    const patch = (value: boolean) =>
      call(`/admin/tenants/${tenantId}`, {
        method: "PATCH",
        headers: { ...adminHeaders, "Content-Type": "application/json" },
        body: JSON.stringify({ graphql_introspection: value }),
      });
    const res = await patch(false);
    expect(((await res.json()) as { graphql_introspection: boolean }).graphql_introspection).toBe(false);
    const off = await gql(reader, query);
    expect(off.status).toBe(400);
    expect(off.body.errors![0]!.message).toMatch(/introspection has been disabled/);
    expect((await gql(reader, "{ __typename }")).body).toEqual({ data: { __typename: "Query" } });
    await patch(true);
  });
});

describe("GraphQL subscriptions", () => {
  it("server-sent events with the graphql-sse client", async () => {
    const client = createSseClient({ url: `${BASE}/v3/graphql/stream`, fetchFn: workerFetch(reader), retryAttempts: 0 });
    const events = client.iterate<{ agentEvents: Record<string, unknown> }>({ query: AGENT_EVENTS });
    try {
      const event = await firstWhile(events, () => registerOne(manage));
      expect(event.data?.agentEvents).toMatchObject({ eventType: "agent.registered", severity: "LOW" });
      expect(event.data?.agentEvents.agentId).toMatch(/^agt_/);
    } finally {
      await events.return?.();
      client.dispose();
    }
    await eventually(async () => (await hubSockets()) === 0, 5_000);
  });

  it("graphql-transport-ws with the graphql-ws client: agentEvents for one agent, and coordinationUpdates", async () => {
    const client = createWsClient({
      url: "wss://vigil.test/v3/graphql",
      webSocketImpl: workerWebSocket(reader),
      retryAttempts: 0,
    });
    const mine = await registerOne(manage);
    const forOne = client.iterate<{ agentEvents: Record<string, unknown> }>({
      query: "subscription One($id: ID) { agentEvents(agentId: $id) { eventType agentId } }",
      variables: { id: mine },
    });
    const updates = client.iterate<{ coordinationUpdates: Record<string, unknown> }>({
      query: "subscription { coordinationUpdates { updateType actionId severity details } }",
    });
    try {
      // Other agents' registrations pass by; the rename of this one is the event.
      const rename = () =>
        gql(manage, `mutation { updateAgent(id: "${mine}", input: { capabilities: ["r${counter++}"] }) { id } }`);
      const event = await firstWhile(forOne, async () => (await registerOne(manage), await rename()));
      expect(event.data?.agentEvents).toEqual({ eventType: "agent.updated", agentId: mine });
      const coordinate = () =>
        gql(
          manage,
          `mutation { coordinateAction(input: { action: "ping", targetAgents: ["${mine}"], parameters: {} }) { actionId } }`,
        );
      const update = await firstWhile(updates, coordinate);
      expect(update.data?.coordinationUpdates).toMatchObject({ updateType: "coordination.action.completed", severity: "MEDIUM" });
      expect(update.data?.coordinationUpdates.details).toMatchObject({
        failed_agents: [{ agent_id: mine, reason: "not_connected" }],
      });
    } finally {
      await forOne.return?.();
      await updates.return?.();
      await client.dispose();
    }
    await eventually(async () => (await hubSockets()) === 0, 5_000);
  });

  it("plain SSE (yoga's distinct connection) at /v3/graphql, and WebSocket upgrades need credentials and the subprotocol", async () => {
    const res = await call(`/v3/graphql?query=${encodeURIComponent("subscription { coordinationUpdates { updateType } }")}`, {
      headers: { ...reader, Accept: "text/event-stream" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/event-stream/);
    await res.body!.cancel();
    expect(
      (await call("/v3/graphql", { headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": "graphql-transport-ws" } })).status,
    ).toBe(401);
    expect((await call("/v3/graphql", { headers: { ...reader, Upgrade: "websocket" } })).status).toBe(400);
  });
});
