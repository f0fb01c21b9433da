import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { heartbeatMessage } from "../functions/quantum/consensus/model";
import { clusterOf, ed25519Keys, TestAgent } from "./consensus-agents";
import { call, createTenant, eventually, postJson, quantumHeaders } from "./helpers";

interface Agent {
  agent_id: string;
  status: string;
  reputation: number;
  capabilities: string[];
  last_heartbeat: string | null;
  metrics: Record<string, number | null>;
}

async function tenantWith(label: string) {
  const tenantId = await createTenant(`consensus-${label}-${crypto.randomUUID().slice(0, 8)}`);
  return {
    tenantId,
    manage: await quantumHeaders(tenantId, ["consensus:manage"]),
    reader: await quantumHeaders(tenantId, ["quantum:read"]),
  };
}

const get = async <T>(path: string, headers: Record<string, string>) => {
  const res = await call(path, { headers });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
};

const status = (headers: Record<string, string>) =>
  get<{ status: string; live_agents: number; total_agents: number; byzantine_tolerance: number }>(
    "/v3/consensus/status",
    headers,
  );

describe("consensus agents: registry", () => {
  it("registers, lists by status and capability, and keeps names and keys unique", async () => {
    const { manage, reader } = await tenantWith("registry");
    const { publicKey } = await ed25519Keys();
    const body = { name: "sentinel", public_key: publicKey, endpoint: "https://agents.test/s", capabilities: ["scan", "vote"] };
    const res = await postJson("/v3/consensus/agents", body, manage);
    expect(res.status).toBe(201);
    const agent = (await res.json()) as Agent;
    expect(agent).toMatchObject({ status: "OFFLINE", reputation: 1, registered: true, capabilities: ["scan", "vote"] });
    expect(agent.metrics).toMatchObject({ tasks_completed: 0, success_rate: null, cpu_usage: null });
    const dupName = await postJson("/v3/consensus/agents", { ...body, public_key: (await ed25519Keys()).publicKey }, manage);
    expect(dupName.status).toBe(409);
    expect(((await dupName.json()) as { error: { details: { field: string } } }).error.details.field).toBe("name");
    const dupKey = await postJson("/v3/consensus/agents", { ...body, name: "other" }, manage);
    expect(((await dupKey.json()) as { error: { details: { field: string } } }).error.details.field).toBe("public_key");
    const badKey = await postJson("/v3/consensus/agents", { ...body, name: "bad", public_key: btoa("short") }, manage);
    expect(badKey.status).toBe(400);
    expect((await postJson("/v3/consensus/agents", { ...body, name: "r" }, reader)).status).toBe(403);
    await TestAgent.register(manage, "plain");
    expect((await get<{ total_count: number }>("/v3/consensus/agents", reader)).total_count).toBe(2);
    const scanners = await get<{ agents: Agent[] }>("/v3/consensus/agents?capability=scan", reader);
    expect(scanners.agents.map((a) => a.agent_id)).toEqual([agent.agent_id]);
    expect((await get<{ agents: Agent[] }>("/v3/consensus/agents?status=ACTIVE", reader)).agents).toEqual([]);
    const other = await tenantWith("registry-other");
    expect((await call(`/v3/consensus/agents/${agent.agent_id}`, { headers: other.reader })).status).toBe(404);
  });

  it("refuses connections without an upgrade, for unknown agents, and with a wrong key", async () => {
    const { tenantId, manage } = await tenantWith("connect");
    const [agent] = await clusterOf(manage, ["honest"]);
    expect((await call(`/v3/consensus/agents/${agent!.id}/connect`, { headers: manage })).status).toBe(400);
    expect((await call("/v3/consensus/agents/agt_nope/connect", { headers: { ...manage, Upgrade: "websocket" } })).status).toBe(
      404,
    );
    const imposter = await TestAgent.register(manage, "imposter");
    const res = await call(`/v3/consensus/agents/${imposter.id}/connect`, { headers: { ...manage, Upgrade: "websocket" } });
    const ws = res.webSocket!;
    const closed = new Promise<number>((resolve) => ws.addEventListener("close", (e) => resolve(e.code)));
    ws.accept();
    ws.addEventListener("message", () => ws.send(JSON.stringify({ type: "auth", signature: btoa("x".repeat(64)) })));
    expect(await closed).toBe(1008);
    const counted = await runInDurableObject(env.CONSENSUS_CLUSTER.getByName(tenantId), (_, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT invalid_signatures AS n FROM agents WHERE id = ?", imposter.id).one(),
    );
    expect(counted.n).toBe(1);
    agent!.close();
  });
});

describe("consensus agents: liveness, health and metrics", () => {
  it("reports HEALTHY, DEGRADED and FAILED from who is live, and OFFLINE after silence", async () => {
    const { tenantId, manage, reader } = await tenantWith("health");
    expect(await status(reader)).toMatchObject({ status: "FAILED", total_agents: 0 });
    const agents = await clusterOf(manage, ["honest", "honest", "honest", "honest"]);
    expect(await status(reader)).toMatchObject({ status: "HEALTHY", live_agents: 4, byzantine_tolerance: 1 });
    agents[0]!.close();
    await eventually(async () => (await status(reader)).status === "DEGRADED");
    // Silence: the object's clock says agent 1 was last heard from long ago; its alarm closes it.
    const stub = env.CONSENSUS_CLUSTER.getByName(tenantId);
    await runInDurableObject(stub, (_, state) => {
      state.storage.sql.exec("UPDATE agents SET last_heartbeat = ? WHERE id = ?", Date.now() - 60_000, agents[1]!.id);
    });
    agents[1]!.reconnect = false;
    await runDurableObjectAlarm(stub);
    expect(await status(reader)).toMatchObject({ status: "FAILED", live_agents: 2 });
    await eventually(async () => (await get<Agent>(`/v3/consensus/agents/${agents[1]!.id}`, reader)).status === "OFFLINE");
    agents.forEach((a) => a.close());
  });

  it("records heartbeats and metrics, and counts invalid signatures", async () => {
    const { manage, reader } = await tenantWith("metrics");
    const agents = await clusterOf(manage, ["honest", "honest", "honest", "bad-signature"]);
    const [a0, , , forger] = agents;
    a0!.send({ type: "heartbeat", status: "BUSY", metrics: { cpu_usage: 41.5, memory_usage: 63 } });
    await eventually(() => a0!.seen("heartbeat_ack") === 1);
    const out = await postJson("/v3/consensus/propose", { value: btoa("v"), timeout_ms: 3000, round_timeout_ms: 1500 }, manage);
    expect(((await out.json()) as { consensus_achieved: boolean }).consensus_achieved).toBe(true);
    await eventually(async () => (await get<Agent>(`/v3/consensus/agents/${a0!.id}`, reader)).metrics.tasks_completed === 1);
    const metrics = await get<Record<string, number | null>>(`/v3/consensus/agents/${a0!.id}/metrics`, reader);
    expect(metrics).toMatchObject({ cpu_usage: 41.5, memory_usage: 63, rounds_assigned: 1, tasks_completed: 1, success_rate: 1 });
    expect(metrics.average_response_time_ms).toBeGreaterThanOrEqual(0);
    expect((await get<Agent>(`/v3/consensus/agents/${a0!.id}`, reader)).status).toBe("BUSY");
    expect(forger!.frames.some((f) => f.type === "error" && f.code === "invalid_signature")).toBe(true);
    const forged = await get<Record<string, number>>(`/v3/consensus/agents/${forger!.id}/metrics`, reader);
    expect(forged.invalid_signatures).toBeGreaterThanOrEqual(1);
    expect(forged.reputation).toBeLessThan(1);
    agents.forEach((a) => a.close());
  });

  it("accepts a signed REST heartbeat once per timestamp", async () => {
    const { tenantId, manage, reader } = await tenantWith("rest-heartbeat");
    const agent = await TestAgent.register(manage, "reporter");
    const timestamp = Date.now();
    const signature = await agent.sign(heartbeatMessage(tenantId, agent.id, timestamp));
    const beat = (body: Record<string, unknown>) => postJson(`/v3/consensus/agents/${agent.id}/heartbeat`, body, reader);
    const ok = await beat({ timestamp, signature, metrics: { cpu_usage: 12 } });
    expect(ok.status).toBe(200);
    // Not connected, so not live: the heartbeat is recorded but the agent cannot vote.
    expect(await ok.json()).toMatchObject({ agent_id: agent.id, status: "OFFLINE" });
    expect((await beat({ timestamp, signature })).status).toBe(400);
    expect((await beat({ timestamp: timestamp + 1, signature })).status).toBe(403);
    await eventually(async () => (await get<Agent>(`/v3/consensus/agents/${agent.id}`, reader)).metrics.cpu_usage === 12);
  });
});

describe("consensus: proposals", () => {
  it("fails at once with no live agent, replays a proposal_id and refuses it with another value", async () => {
    const { manage } = await tenantWith("proposals");
    const none = await postJson("/v3/consensus/propose", { proposal_id: "solo", value: btoa("a") }, manage);
    expect(await none.json()).toMatchObject({ consensus_achieved: false, failure_reason: "no_live_agents", sequence_number: 1 });
    const again = await postJson("/v3/consensus/propose", { proposal_id: "solo", value: btoa("a") }, manage);
    expect(await again.json()).toMatchObject({ sequence_number: 1, failure_reason: "no_live_agents" });
    expect((await postJson("/v3/consensus/propose", { proposal_id: "solo", value: btoa("b") }, manage)).status).toBe(409);
    expect((await postJson("/v3/consensus/propose", { value: "not base64!" }, manage)).status).toBe(400);
    const writer = await quantumHeaders((await tenantWith("writer")).tenantId, ["quantum:write"]);
    expect((await postJson("/v3/consensus/propose", { value: btoa("a") }, writer)).status).toBe(403);
  });
});
