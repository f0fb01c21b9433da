import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { EquivocationEvidence, QuorumCertificate } from "../functions/quantum/consensus/model";
import { verifyCertificate, verifyEvidence } from "../functions/quantum/consensus/verify";
import { clusterOf, type TestAgent } from "./consensus-agents";
import { call, createTenant, eventually, postJson, quantumHeaders } from "./helpers";

interface ProposeResponse {
  proposal_id: string;
  consensus_achieved: boolean;
  view_number: number;
  sequence_number: number;
  consensus_time_ms: number;
  agreeing_agents: string[];
  status: string;
  failure_reason: string | null;
  certificate: QuorumCertificate | null;
}

const b64 = (text: string) => btoa(text);

async function tenantWith(label: string) {
  const tenantId = await createTenant(`consensus-${label}-${crypto.randomUUID().slice(0, 8)}`);
  return { tenantId, manage: await quantumHeaders(tenantId, ["consensus:manage"]) };
}

async function propose(headers: Record<string, string>, body: Record<string, unknown>): Promise<ProposeResponse> {
  const res = await postJson("/v3/consensus/propose", { value: b64("isolate node-7"), ...body }, headers);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as ProposeResponse;
}

async function getJson<T>(path: string, headers: Record<string, string>): Promise<T> {
  const res = await call(path, { headers });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

const keysOf = (agents: TestAgent[]) => Object.fromEntries(agents.map((a) => [a.id, a.publicKey]));

async function eventTypes(tenantId: string): Promise<string[]> {
  const { results } = await env.DB.prepare("SELECT type FROM security_events WHERE tenant_id = ? ORDER BY occurred_at")
    .bind(tenantId)
    .all<{ type: string }>();
  return results.map((r) => r.type);
}

const closeAll = (agents: TestAgent[]) => agents.forEach((a) => a.close());

describe("consensus: Byzantine agents", () => {
  it("commits with 4 agents and 1 equivocating, marks the equivocator BYZANTINE with verifiable evidence", async () => {
    const { tenantId, manage } = await tenantWith("equivocate");
    const agents = await clusterOf(manage, ["honest", "honest", "honest", "equivocate"]);
    const [a0, a1, a2, liar] = agents as [TestAgent, TestAgent, TestAgent, TestAgent];
    const out = await propose(manage, { proposal_id: "p-1", timeout_ms: 3000, round_timeout_ms: 1500 });
    expect(out).toMatchObject({ proposal_id: "p-1", consensus_achieved: true, status: "committed", sequence_number: 1 });
    expect(out.agreeing_agents.sort()).toEqual([a0.id, a1.id, a2.id].sort());
    const cert = out.certificate!;
    expect(cert).toMatchObject({ n: 4, f: 1, quorum: 3, cluster_id: tenantId, sequence: 1 });
    expect(await verifyCertificate(cert, keysOf(agents), { value: new TextEncoder().encode("isolate node-7") })).toEqual({
      valid: true,
      errors: [],
    });
    expect(await getJson(`/v3/consensus/certificates/1`, manage)).toEqual(cert);

    const { evidence } = await getJson<{ evidence: (EquivocationEvidence & { evidence_id: number })[] }>(
      "/v3/consensus/evidence",
      manage,
    );
    expect(evidence).toHaveLength(1);
    expect(evidence[0]).toMatchObject({ agent_id: liar.id, view: out.view_number, sequence: 1, n: 4 });
    expect(await verifyEvidence(evidence[0]!, liar.publicKey)).toEqual({ valid: true, errors: [] });
    expect((await verifyEvidence(evidence[0]!, a0.publicKey)).valid).toBe(false);

    const status = await getJson<{ byzantine_agents: number; agents: { agent_id: string; status: string }[] }>(
      "/v3/consensus/status",
      manage,
    );
    expect(status.byzantine_agents).toBe(1);
    expect(status.agents.find((a) => a.agent_id === liar.id)?.status).toBe("BYZANTINE");
    await eventually(
      async () => (await getJson<{ status: string }>(`/v3/consensus/agents/${liar.id}`, manage)).status === "BYZANTINE",
    );
    const mirrored = await getJson<{ reputation: number }>(`/v3/consensus/agents/${liar.id}`, manage);
    expect(mirrored.reputation).toBe(0);
    expect(await eventTypes(tenantId)).toEqual(
      expect.arrayContaining(["agent.registered", "agent.byzantine.detected", "consensus.achieved"]),
    );
    closeAll(agents);
  });

  it("fails at timeout with 4 agents of which 2 are silent, after view changes", async () => {
    const { tenantId, manage } = await tenantWith("silent");
    const agents = await clusterOf(manage, ["honest", "honest", "silent", "silent"]);
    const started = Date.now();
    const out = await propose(manage, { timeout_ms: 1500, round_timeout_ms: 400 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(out).toMatchObject({ consensus_achieved: false, status: "failed", failure_reason: "timeout", certificate: null });
    expect(out.view_number).toBeGreaterThanOrEqual(2);
    expect(out.consensus_time_ms).toBeGreaterThanOrEqual(1500);
    expect(out.agreeing_agents.sort()).toEqual([agents[0]!.id, agents[1]!.id].sort());
    const res = await call(`/v3/consensus/certificates/${out.sequence_number}`, { headers: manage });
    expect(res.status).toBe(404);
    expect(await eventTypes(tenantId)).toContain("consensus.failed");
    closeAll(agents);
  });

  it("tolerates 2 faults among 7 agents (one silent, one equivocating)", async () => {
    const { manage } = await tenantWith("seven");
    const agents = await clusterOf(manage, ["honest", "honest", "honest", "honest", "honest", "silent", "equivocate"]);
    const out = await propose(manage, { timeout_ms: 3000, round_timeout_ms: 1500 });
    expect(out.consensus_achieved).toBe(true);
    expect(out.certificate).toMatchObject({ n: 7, f: 2, quorum: 5 });
    expect(out.agreeing_agents).toHaveLength(5);
    expect(await verifyCertificate(out.certificate!, keysOf(agents))).toEqual({ valid: true, errors: [] });
    closeAll(agents);
  });
});

describe("consensus: restart mid-round", () => {
  it("resumes an open round from storage after the object is reset", async () => {
    const { tenantId, manage } = await tenantWith("restart");
    const agents = await clusterOf(manage, ["honest", "honest", "honest", "honest"]);
    for (const a of agents) a.holdCommits = true;
    const pending = propose(manage, { proposal_id: "survivor", timeout_ms: 10_000, round_timeout_ms: 8_000 });
    await eventually(() => agents.every((a) => a.seen("prepared") >= 1));
    const stub = env.CONSENSUS_CLUSTER.getByName(tenantId);
    await runInDurableObject(stub, (_, state) => state.abort("restart mid-round")).catch(() => {});
    const open = await getJson<{ open_rounds: number }>("/v3/consensus/status", manage);
    expect(open.open_rounds).toBe(1);
    await Promise.all(agents.map((a) => a.release()));
    const out = await pending;
    expect(out).toMatchObject({ proposal_id: "survivor", consensus_achieved: true, view_number: 0, sequence_number: 1 });
    expect(await verifyCertificate(out.certificate!, keysOf(agents))).toMatchObject({ valid: true });
    closeAll(agents);
  });
});
