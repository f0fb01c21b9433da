import { createClient, type Client, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import worker from "../functions/index";
import { ByzantineConsensus } from "../functions/quantum/consensus/gen/mwrasp/consensus/v3/byzantine_consensus_pb";
import { clusterOf, ed25519Keys, type TestAgent } from "./consensus-agents";
import { BASE, createTenant, quantumHeaders, randomIp } from "./helpers";

/**
 * The seed's gRPC service through clients we did not write: Connect's own web transports (the
 * Connect protocol and gRPC-Web), pointed at the Worker's fetch handler.
 */
const workerFetch: typeof fetch = async (input, init) => {
  // The transports ask for redirect: "error", which workerd's Request does not take.
  const { redirect: _redirect, ...rest } = init ?? {};
  const request = new Request(input as RequestInfo, rest);
  request.headers.set("CF-Connecting-IP", randomIp());
  return worker.fetch(request, env, createExecutionContext());
};

let headers: Record<string, string>;
let agents: TestAgent[];
const transports: Record<string, (baseUrl: string) => Transport> = {
  connect: (baseUrl) => createConnectTransport({ baseUrl, fetch: workerFetch }),
  "grpc-web": (baseUrl) => createGrpcWebTransport({ baseUrl, fetch: workerFetch }),
};
const clientFor = (kind: string, baseUrl = BASE): Client<typeof ByzantineConsensus> =>
  createClient(ByzantineConsensus, transports[kind]!(baseUrl));
const auth = () => ({ headers });

beforeAll(async () => {
  const tenantId = await createTenant("consensus-connect");
  headers = await quantumHeaders(tenantId, ["quantum:read", "quantum:write", "consensus:manage"]);
  agents = await clusterOf(headers, ["honest", "honest", "honest", "honest"]);
});
afterAll(() => agents.forEach((a) => a.close()));

describe("ByzantineConsensus over Connect and gRPC-Web", () => {
  for (const kind of Object.keys(transports))
    it(`${kind}: ProposeValue commits with four honest agents and GetConsensusStatus reports them`, async () => {
      const client = clientFor(kind, kind === "connect" ? BASE : `${BASE}/v3`);
      const res = await client.proposeValue(
        {
          proposalId: crypto.randomUUID(),
          value: new TextEncoder().encode(`isolate node-7 (${kind})`),
          priority: 1,
          timeoutMs: 5000n,
          metadata: { source: "api_client" },
        },
        auth(),
      );
      expect(res.consensusAchieved).toBe(true);
      expect(res.agreeingAgents.length).toBeGreaterThanOrEqual(3);
      expect(res.sequenceNumber).toBeGreaterThan(0);
      const status = await client.getConsensusStatus({ includeAgents: true }, auth());
      expect(status).toMatchObject({ status: "HEALTHY", totalAgents: 4, byzantineAgents: 0 });
      expect(status.agents.map((a) => a.agentId).sort()).toEqual(agents.map((a) => a.id).sort());
    });

  it("StreamConsensusEvents delivers consensus.achieved for a committed proposal", async () => {
    const client = clientFor("connect");
    const controller = new AbortController();
    const received: string[] = [];
    const reading = (async () => {
      try {
        for await (const e of client.streamConsensusEvents({}, { ...auth(), signal: controller.signal })) {
          received.push(e.eventType);
          if (e.eventType === "consensus.achieved") controller.abort();
        }
      } catch (err) {
        // Aborted once the event arrived; anything else is a failure.
        if (!controller.signal.aborted) received.push(`error: ${String(err)}`);
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    const res = await client.proposeValue({ value: new TextEncoder().encode("rotate keys"), timeoutMs: 5000n }, auth());
    expect(res.consensusAchieved).toBe(true);
    await Promise.race([reading, new Promise((r) => setTimeout(r, 8000))]);
    expect(received, JSON.stringify(received)).toContain("consensus.achieved");
  });

  it("RegisterAgent and GetAgentMetrics", async () => {
    const client = clientFor("grpc-web");
    const { publicKey } = await ed25519Keys();
    const raw = Uint8Array.from(atob(publicKey), (ch) => ch.charCodeAt(0));
    const registered = await client.registerAgent(
      { agentId: "connect-agent", publicKey: raw, endpoint: "https://agents.test/connect", capabilities: { consensus: "true" } },
      auth(),
    );
    expect(registered).toMatchObject({ registered: true });
    expect(registered.agentId).toMatch(/^agt_/);
    const metrics = await client.getAgentMetrics({ agentId: registered.agentId }, auth());
    expect(metrics).toMatchObject({ agentId: registered.agentId, tasksCompleted: 0n });
  });

  it("refuses bad input and missing credentials with Connect error codes", async () => {
    const client = clientFor("connect");
    await expect(client.proposeValue({ value: new Uint8Array(), timeoutMs: 1000n }, auth())).rejects.toMatchObject({ code: 3 });
    await expect(client.getConsensusStatus({})).rejects.toMatchObject({ code: 16 });
    await expect(client.getAgentMetrics({ agentId: "agt_nope" }, auth())).rejects.toMatchObject({ code: 5 });
  });
});
