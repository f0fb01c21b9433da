import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { zeqondOf } from "../../functions/av/scoring";
import { emitEvent } from "../../functions/platform/events/emit";
import { createLogger } from "../../functions/platform/log";
import { heartbeatMessage } from "../../functions/quantum/consensus/model";
import { addDevice, createMachine, machineKey, ownerCookie } from "../av-helpers";
import { clusterOf, type TestAgent } from "../consensus-agents";
import { call, postJson } from "../helpers";
import { Checks, ok, readStream, refused, send, world, type Headers, type World } from "./owasp-helpers";

// OWASP API1:2023 Broken object-level authorisation, quantum defense, command console, agent
// claims, GraphQL and the live streams: tenant B asks for tenant A's objects by id.
const checks = new Checks("OWASP API1 (quantum, command, agent claims, GraphQL, streams)");
const MARK = `tenant-a-private-${crypto.randomUUID()}`;
const log = createLogger("error");
let a: World;
let b: World;
let agent: TestAgent;
let bOwner: Headers;
const ids: Record<string, any> = {};

beforeAll(async () => {
  [a, b] = [await world("api1o-a"), await world("api1o-b")];
  const canary = { num_qubits: 8, deployment_zone: "edge", lifetime_seconds: 3600, entanglement_pairs: 4, metadata: { m: MARK } };
  ids.token = (await ok(await postJson("/v3/quantum/canary/tokens", canary, a.quantum), 201)).token_id;
  const fragment = { data: btoa(MARK), fragment_count: 3, lifetime_ms: 120_000, distribution: "local" };
  ids.parent = (await ok(await postJson("/v3/fragmentation/fragment", fragment, a.quantum), 201)).parent_id;
  [agent] = (await clusterOf(a.manage, ["honest"])) as [TestAgent];
  const round = await postJson("/v3/consensus/propose", { value: btoa(MARK), timeout_ms: 3000 }, a.manage);
  const proposed = await ok(round);
  expect(proposed.consensus_achieved).toBe(true);
  ids.sequence = proposed.sequence_number;
  for (const [id, prot] of [
    ["a-core", true],
    ["a-edge", false],
  ] as const) {
    const node = { id, label: MARK, systemType: "grid", region: "eu", protected: prot };
    await ok(await postJson("/api/mesh/nodes", node, a.responder.headers), 201);
  }
  await ok(await postJson("/api/mesh/links", { sourceId: "a-core", targetId: "a-edge", weight: 1 }, a.responder.headers), 201);
  const approval = { action: "isolate-node", nodeId: "a-core", reason: MARK };
  ids.approval = (await ok(await postJson("/api/approvals", approval, a.responder.headers), 201)).id;
  ids.slug = `owasp-a-${crypto.randomUUID().slice(0, 8)}`;
  await createMachine(a.tenantId, ids.slug, a.admin.user.id, "private");
  const owner = await ownerCookie(a.admin.user);
  ids.device = await addDevice(ids.slug, owner);
  const claim = {
    claim_type: "process_spawn",
    claim_payload: { instances_in_30_pulses: 95, max_instances: 100, exec_path: `/tmp/${MARK}` },
    device_id: ids.device,
    captured_at_zeqond: zeqondOf(Date.now()),
  };
  expect((await ok(await postJson("/api/av/claim", claim, await machineKey(a.tenantId, ids.slug)), 201)).fired).toBe(true);
  ids.bSlug = `owasp-b-${crypto.randomUUID().slice(0, 8)}`;
  await createMachine(b.tenantId, ids.bSlug, b.admin.user.id, "public");
  bOwner = await ownerCookie(b.admin.user);
});

afterAll(() => {
  agent?.close();
  console.log(checks.summary());
});

async function denied(group: string, method: string, path: string, body: unknown, headers: Headers[], statuses = [404]) {
  for (const h of headers) {
    await refused(await send(method, path, body, h), statuses, path, [MARK]);
    checks.hit(group);
  }
}

describe("API1 Broken object-level authorisation: quantum defense", () => {
  const bQuantum = () => [b.quantum, b.manage, b.admin.headers];

  it("canary tokens: status, eavesdropper test and listing are 404 / absent for another tenant", async () => {
    await denied("API1 canary tokens", "GET", `/v3/quantum/canary/tokens/${ids.token}/status`, undefined, bQuantum());
    await denied("API1 canary tokens", "POST", `/v3/quantum/canary/tokens/${ids.token}/test`, undefined, bQuantum());
    expect(await (await call("/v3/quantum/canary/tokens", { headers: b.quantum })).text()).not.toContain(ids.token);
    const mine = await ok(await call(`/v3/quantum/canary/tokens/${ids.token}/status`, { headers: a.quantum }));
    expect(JSON.stringify(mine)).not.toMatch(/collapsed/);
    checks.hit("API1 canary tokens", 2);
  });

  it("fragments: reconstruct and lifetime extension are 404 for another tenant; A still reconstructs", async () => {
    await denied("API1 fragments", "POST", "/v3/fragmentation/reconstruct", { parent_id: ids.parent }, bQuantum());
    const extend = { additional_ms: 3_600_000 };
    await denied("API1 fragments", "PATCH", `/v3/fragmentation/fragments/${ids.parent}/lifetime`, extend, bQuantum());
    const back = await ok(await postJson("/v3/fragmentation/reconstruct", { parent_id: ids.parent }, a.quantum));
    expect(atob(back.data)).toBe(MARK);
    checks.hit("API1 fragments");
  });

  it("consensus agents and certificates: agent, metrics, heartbeat, connect and certificate are 404", async () => {
    const group = "API1 consensus";
    await denied(group, "GET", `/v3/consensus/agents/${agent.id}`, undefined, bQuantum());
    await denied(group, "GET", `/v3/consensus/agents/${agent.id}/metrics`, undefined, bQuantum());
    await denied(group, "GET", `/v3/consensus/certificates/${ids.sequence}`, undefined, bQuantum());
    // A heartbeat genuinely signed by A's agent, replayed to B's cluster.
    const timestamp = Date.now();
    const signature = await agent.sign(heartbeatMessage(a.tenantId, agent.id, timestamp));
    await denied(group, "POST", `/v3/consensus/agents/${agent.id}/heartbeat`, { timestamp, signature }, [b.manage]);
    const connect = await call(`/v3/consensus/agents/${agent.id}/connect`, { headers: { ...b.manage, Upgrade: "websocket" } });
    await refused(connect, [404], "/v3/consensus/agents", [MARK]);
    const evidence = await ok(await call("/v3/consensus/evidence", { headers: b.manage }));
    expect(evidence.evidence).toEqual([]);
    const status = await ok(await call("/v3/consensus/status", { headers: b.manage }));
    expect(status.total_agents).toBe(0);
    const cert = await ok(await call(`/v3/consensus/certificates/${ids.sequence}`, { headers: a.manage }));
    expect(cert.cluster_id).toBe(a.tenantId);
    checks.hit(group, 4);
  });

  it("GraphQL nodes: another tenant's agent is null from agent, NOT_FOUND from metrics, update and deactivate", async () => {
    const gql = async (query: string, variables: Record<string, unknown>, headers = b.manage) => {
      const res = await postJson(
        "/v3/graphql",
        { query, variables },
        { ...headers, Accept: "application/graphql-response+json" },
      );
      return { status: res.status, text: await res.text() };
    };
    const id = agent.id;
    const one = await gql(`query($id: ID!) { agent(id: $id) { id name publicKey } }`, { id });
    expect(JSON.parse(one.text)).toEqual({ data: { agent: null } });
    const notFound = async (query: string) => {
      const { text } = await gql(query, { id });
      expect(JSON.parse(text).errors.map((e: any) => e.extensions.code)).toEqual(["NOT_FOUND"]);
      expect(text).not.toContain(agent.publicKey);
      checks.hit("API1 GraphQL");
    };
    await notFound(`query($id: ID!) { agentMetrics(agentId: $id, timeRange: ALL_TIME) { tasksCompleted } }`);
    await notFound(`mutation($id: ID!) { updateAgent(id: $id, input: { name: "pwned" }) { id name } }`);
    await notFound(`mutation($id: ID!) { deactivateAgent(id: $id) }`);
    const listed = await gql(`{ agents { nodes { id } totalCount } }`, {});
    expect(JSON.parse(listed.text).data.agents).toEqual({ nodes: [], totalCount: 0 });
    const mine = await gql(`query($id: ID!) { agent(id: $id) { name deactivatedAt } }`, { id }, a.manage);
    expect(JSON.parse(mine.text).data.agent).toEqual({ name: agent.name, deactivatedAt: null });
    checks.hit("API1 GraphQL", 3);
  });
});

describe("API1 Broken object-level authorisation: command console", () => {
  const bCommand = () => [b.admin.headers, b.writeKey];

  it("mesh nodes: read, isolate, reroute, link and approval requests on A's nodes are 404", async () => {
    const group = "API1 mesh nodes";
    await denied(group, "GET", "/api/mesh/nodes/a-core", undefined, bCommand());
    await denied(group, "POST", "/api/isolate-node", { nodeId: "a-edge" }, bCommand());
    await denied(group, "POST", "/api/reroute", { sourceId: "a-core", targetId: "a-edge" }, bCommand());
    await denied(group, "POST", "/api/mesh/links", { sourceId: "a-core", targetId: "a-edge", weight: 9 }, bCommand());
    await denied(group, "POST", "/api/approvals", { action: "isolate-node", nodeId: "a-edge" }, [b.admin.headers]);
    // Node ids are the tenant's own namespace: B may use the same id without touching A's node.
    const same = { id: "a-edge", label: "b's own", systemType: "comms", region: "us", protected: false };
    await ok(await postJson("/api/mesh/nodes", same, b.writeKey), 201);
    const node = await ok(await call("/api/mesh/nodes/a-edge", { headers: a.readKey }));
    expect(node).toMatchObject({ label: MARK, state: "NOMINAL", systemType: "grid" });
    checks.hit(group, 2);
  });

  it("approvals: read, approve and reject of A's request are 404; it stays pending", async () => {
    const group = "API1 approvals";
    await denied(group, "GET", `/api/approvals/${ids.approval}`, undefined, bCommand());
    await denied(group, "POST", `/api/approvals/${ids.approval}/approve`, undefined, [b.admin.headers, b.responder.headers]);
    await denied(group, "POST", `/api/approvals/${ids.approval}/reject`, undefined, [b.admin.headers, b.responder.headers]);
    expect(await (await call("/api/approvals", { headers: b.admin.headers })).text()).not.toContain(ids.approval);
    expect((await ok(await call(`/api/approvals/${ids.approval}`, { headers: a.readKey }))).status).toBe("pending");
    checks.hit(group, 2);
  });
});

describe("API1 Broken object-level authorisation: agent claims (private machine)", () => {
  it("threats, devices, quarantine, audit, mesh feed and subscriptions are 403 to anyone but the owner", async () => {
    const group = "API1 agent claims";
    const slug = ids.slug as string;
    const others = [bOwner, await ownerCookie(a.viewer.user)];
    await denied(group, "GET", `/api/av/threats?slug=${slug}`, undefined, others, [403]);
    await denied(group, "GET", `/api/av/devices?slug=${slug}`, undefined, others, [403]);
    await denied(group, "GET", `/api/av/audit/verify?slug=${slug}`, undefined, others, [403]);
    await denied(group, "GET", `/api/av/mesh-feed?slug=${slug}`, undefined, others, [403]);
    await denied(group, "POST", "/api/av/devices", { slug, name: "implant", os: "linux" }, others, [403]);
    const quarantine = { slug, device_id: ids.device, quarantined: true };
    await denied(group, "POST", "/api/av/devices/quarantine", quarantine, others, [403]);
    const follow = { slug: ids.bSlug, publisher_slug: slug };
    await denied(group, "POST", "/api/av/subscriptions", follow, [bOwner], [403, 404]);
    const owner = await ownerCookie(a.admin.user);
    const devices = await ok(await call(`/api/av/devices?slug=${slug}`, { headers: owner }));
    expect(devices.devices).toEqual([expect.objectContaining({ device_id: ids.device, quarantined: false })]);
    const threats = await ok(await call(`/api/av/threats?slug=${slug}`, { headers: owner }));
    expect(threats.count).toBe(1);
    checks.hit(group, 2);
  });
});

describe("API1 Broken object-level authorisation: live streams", () => {
  const streams = [
    ["/api/events/stream", "command.threat.detected", "command"],
    ["/v3/quantum/events/stream", "quantum.attack.detected", "quantum"],
  ] as const;

  it.each(streams)("%s: tenant B's subscriber never receives tenant A's event", async (path, type, source) => {
    const headers = { ...(source === "command" ? b.readKey : b.quantum), Accept: "text/event-stream" };
    const res = await call(path, { headers });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("text/event-stream");
    const sentinel = `tenant-b-sentinel-${crypto.randomUUID()}`;
    const reading = readStream(res, 5000, (t) => t.includes(sentinel));
    const event = (tenantId: string, description: string) =>
      emitEvent(env, { tenantId, source, type, severity: "critical", description }, log);
    await new Promise((r) => setTimeout(r, 200));
    const theirs = await event(a.tenantId, MARK);
    const mine = await event(b.tenantId, sentinel);
    const text = await reading;
    expect(text).toContain(mine.event.id);
    expect(text).not.toContain(theirs.event.id);
    expect(text).not.toContain(MARK);
    checks.hit("API1 live streams", 2);
  });
});
