// Byzantine consensus end to end against `npm run dev`, from Node through Connect's own Node
// transports: four reference agents (one equivocating) connect; ProposeValue commits over the
// Connect protocol and over gRPC-Web, each followed by its consensus.achieved on
// StreamConsensusEvents; and the equivocator is reported BYZANTINE.
import { spawn } from "node:child_process";
import { importBundled } from "../../scripts/import-bundled.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Messages carry int64 fields as bigint, which JSON.stringify refuses. */
const json = (v) => JSON.stringify(v, (_, x) => (typeof x === "bigint" ? String(x) : x));
const FAULTS = [null, null, null, "equivocate"];

/**
 * The generated service is TypeScript, which Node 20 cannot import: it is bundled with the client
 * and both transports into one module, so they share a single @bufbuild/protobuf.
 */
function loadConnect() {
  return importBundled("consensus-client", [
    'export { ByzantineConsensus } from "./functions/quantum/consensus/gen/mwrasp/consensus/v3/byzantine_consensus_pb.ts";',
    'export { createClient } from "@connectrpc/connect";',
    'export { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";',
  ]);
}

/** One reference agent process; it shares the test's token so the per-IP token limit is not spent. */
function startAgent({ base, env, token, name, fault }) {
  const args = ["scripts/consensus-agent.mjs", "--url", base, "--token", token, "--name", name];
  const child = spawn(process.execPath, fault ? [...args, "--fault", fault] : args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  return { child, name, fault, output: () => output };
}

/** Ends every agent still running and waits for it, so none outlives the smoke run. */
async function stopAgents(agents) {
  await Promise.all(
    agents.map(({ child }) => {
      if (child.exitCode !== null || child.signalCode !== null) return null;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      return exited;
    }),
  );
}

async function token(base, oauth) {
  const res = await fetch(`${base}/v3/oauth/token`, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      Authorization: `Basic ${btoa(`${oauth.client_id}:${oauth.client_secret}`)}`,
    },
    body: "grant_type=client_credentials",
  });
  if (!res.ok) throw new Error(`token → ${res.status} ${await res.text()}`);
  return (await res.json()).access_token;
}

async function until(ms, probe) {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(250)) {
    const value = await probe().catch(() => null);
    if (value) return value;
  }
  return null;
}

/**
 * Opens the event stream, proposes once it had time to subscribe (the event crosses a queue, so
 * it lands seconds later), and resolves with the proposal's answer and its consensus.achieved.
 */
async function proposeAndWatch(client, callOptions, label) {
  const controller = new AbortController();
  const proposalId = `smoke-${label}-${Date.now()}`;
  const seen = (async () => {
    try {
      const stream = client.streamConsensusEvents(
        { eventTypes: ["consensus.achieved"] },
        { ...callOptions, signal: controller.signal },
      );
      for await (const e of stream) if (e.description.includes(proposalId)) return e;
    } catch (err) {
      // Aborted at the deadline or after the answer; anything else is reported, not thrown
      // while nobody awaits it yet.
      if (!controller.signal.aborted) return { error: String(err) };
    }
    return null;
  })();
  const timer = setTimeout(() => controller.abort(), 30_000);
  try {
    await sleep(1000);
    const value = new TextEncoder().encode(`isolate node-7 (${label})`);
    // The call's own deadline: a lost answer fails the check instead of hanging the smoke run.
    const answer = await client.proposeValue(
      { proposalId, value, priority: 1, timeoutMs: 10_000n },
      { ...callOptions, timeoutMs: 20_000 },
    );
    return { answer, event: await seen };
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

export async function checkConsensusLoop({ base, env, tenantId, admin, check }) {
  const connect = await loadConnect();
  const oauth = admin("oauth-clients:create", tenantId, "standard", "quantum:read,quantum:write,consensus:manage");
  const accessToken = await token(base, oauth);
  const callOptions = { headers: { Authorization: `Bearer ${accessToken}` } };
  const transports = {
    Connect: connect.createConnectTransport({ baseUrl: base, httpVersion: "1.1" }),
    "gRPC-Web": connect.createGrpcWebTransport({ baseUrl: `${base}/v3`, httpVersion: "1.1" }),
  };
  const client = connect.createClient(connect.ByzantineConsensus, transports.Connect);
  const agents = FAULTS.map((fault, i) => startAgent({ base, env, token: accessToken, name: `smoke-agent-${i}`, fault }));
  try {
    const live = await until(60_000, async () => {
      const s = await client.getConsensusStatus({ includeAgents: true }, callOptions);
      return s.agents.filter((a) => a.connected && a.status === "ACTIVE").length === agents.length && s;
    });
    check(
      "four reference consensus agents (one equivocating) register and connect",
      Boolean(live),
      agents.map((a) => a.output().slice(-400)).join("\n"),
    );
    const equivocatorId = live?.agents.find((a) => a.name === agents[3].name)?.agentId;
    for (const [label, transport] of Object.entries(transports)) {
      const { answer, event } = await proposeAndWatch(
        connect.createClient(connect.ByzantineConsensus, transport),
        callOptions,
        label,
      );
      // The first round has the equivocator among its four voters: only honest COMMITs may certify it.
      check(
        `ProposeValue over ${label} (connect-node) commits with honest agents' votes`,
        answer.consensusAchieved && answer.agreeingAgents.length > 0 && !answer.agreeingAgents.includes(equivocatorId),
        json(answer),
      );
      check(
        `StreamConsensusEvents over ${label} delivers the round's consensus.achieved`,
        event?.eventType === "consensus.achieved",
        json(event),
      );
    }
    const status = await client.getConsensusStatus({ includeAgents: true }, callOptions);
    const equivocator = status.agents.find((a) => a.name === agents[3].name);
    check(
      "the equivocating agent is reported BYZANTINE in GetConsensusStatus",
      equivocator?.status === "BYZANTINE" && status.byzantineAgents === 1,
      json(status.agents.map((a) => [a.name, a.status])),
    );
  } finally {
    await stopAgents(agents);
  }
}
