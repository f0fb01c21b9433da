// Honest consensus agents for the benchmark, in-process: the reference agent's protocol
// (scripts/consensus-agent.mjs, functions/quantum/consensus/protocol.ts) without its CLI, key files,
// faults or reconnects, so a bench process can hold 64 of them on one event loop.
import WebSocket from "ws";
import { post, randomIp } from "./seed.mjs";

const PROTOCOL = "vigil-consensus-v1";
const encoder = new TextEncoder();
const b64 = (bytes) => Buffer.from(bytes).toString("base64");
const sha256Hex = async (bytes) => Buffer.from(await crypto.subtle.digest("SHA-256", bytes)).toString("hex");

/** The canonical strings the cluster verifies (functions/quantum/consensus/model.ts). */
const voteMessage = (v) => `${PROTOCOL}:${v.phase}:${v.cluster_id}:${v.agent_id}:${v.view}:${v.sequence}:${v.n}:${v.digest}`;
const authMessage = (cluster, agent, nonce) => `${PROTOCOL}:auth:${cluster}:${agent}:${nonce}`;

class BenchAgent {
  /** view:sequence → { digest, n }: an honest agent never signs two digests for one slot. */
  rounds = new Map();
  clusterId = "";
  heartbeat = null;

  constructor(url, headers, agentId, privateKey) {
    Object.assign(this, { url, headers, agentId, privateKey });
  }

  sign = async (message) => b64(await crypto.subtle.sign({ name: "Ed25519" }, this.privateKey, encoder.encode(message)));

  /** Opens the socket and answers the challenge; resolves on `welcome` (the agent is then live). */
  connect() {
    const url = new URL(`/v3/consensus/agents/${this.agentId}/connect`, this.url);
    url.protocol = "ws:";
    this.ws = new WebSocket(url, { headers: { ...this.headers, "CF-Connecting-IP": randomIp() } });
    return new Promise((resolve, reject) => {
      this.ws.on("message", (data) => {
        const frame = JSON.parse(String(data));
        if (frame.type === "welcome") resolve();
        this.handle(frame).catch(reject);
      });
      this.ws.on("unexpected-response", (_, res) => reject(new Error(`agent connect → ${res.statusCode}`)));
      this.ws.on("error", reject);
      this.ws.on("close", () => clearInterval(this.heartbeat));
    });
  }

  send = (obj) => this.ws.send(JSON.stringify(obj));

  async handle(frame) {
    switch (frame.type) {
      case "challenge":
        this.clusterId = frame.cluster_id;
        return this.send({ type: "auth", signature: await this.sign(authMessage(frame.cluster_id, this.agentId, frame.nonce)) });
      case "welcome":
        // Liveness lapses after 30 s of silence; a long run must keep heartbeating.
        this.heartbeat = setInterval(() => this.send({ type: "heartbeat", status: "ACTIVE" }), frame.heartbeat_interval_ms);
        return;
      case "pre_prepare": {
        // Checking the digest is part of an honest vote's cost, so it stays in the measurement.
        if ((await sha256Hex(Buffer.from(frame.value_b64, "base64"))) !== frame.digest) return;
        const key = `${frame.view}:${frame.sequence}`;
        if (this.rounds.get(key) && this.rounds.get(key).digest !== frame.digest) return;
        this.rounds.set(key, { digest: frame.digest, n: frame.n });
        return this.vote("prepare", frame, frame.n);
      }
      case "prepared": {
        const round = this.rounds.get(`${frame.view}:${frame.sequence}`);
        if (round?.digest === frame.digest) return this.vote("commit", frame, round.n);
        return;
      }
      case "committed":
      case "round_failed":
        for (const k of this.rounds.keys()) if (k.endsWith(`:${frame.sequence}`)) this.rounds.delete(k);
    }
  }

  async vote(phase, f, n) {
    const fields = { view: f.view, sequence: f.sequence, digest: f.digest };
    const message = voteMessage({ ...fields, phase, n, cluster_id: this.clusterId, agent_id: this.agentId });
    this.send({ type: phase, ...fields, signature: await this.sign(message) });
  }

  close() {
    clearInterval(this.heartbeat);
    this.ws?.close(1000, "bench done");
  }
}

async function registerAgent(url, headers, name) {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
  const publicKey = b64(await crypto.subtle.exportKey("raw", pair.publicKey));
  const body = { name, public_key: publicKey, endpoint: `https://bench.invalid/${name}`, capabilities: ["consensus"] };
  const agent = await post(url, "/v3/consensus/agents", body, headers);
  return new BenchAgent(url, headers, agent.agent_id, pair.privateKey);
}

/** n registered, connected, live agents of the headers' tenant; `close()` disconnects them all. */
export async function startAgents(url, headers, n) {
  const agents = await Promise.all(Array.from({ length: n }, (_, i) => registerAgent(url, headers, `bench-agent-${i}`)));
  await Promise.all(agents.map((a) => a.connect()));
  return { agents, close: () => agents.forEach((a) => a.close()) };
}
