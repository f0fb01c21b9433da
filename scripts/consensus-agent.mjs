// `npm run agent:consensus -- --url <base> (--client-id <id> --client-secret <secret> | --token <jwt>) [--name …]`
// A reference consensus agent: an Ed25519 key (WebCrypto), registration, the WebSocket to the
// tenant's cluster, honest PREPARE/COMMIT votes and heartbeats, and a few harmless coordinated
// actions (GraphQL coordinateAction). `--fault` misbehaves on purpose.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, freemem, hostname, loadavg, totalmem, uptime } from "node:os";
import { parseArgs } from "node:util";
import WebSocket from "ws";

const USAGE = `usage: npm run agent:consensus -- --url <base> (--client-id <id> --client-secret <secret> | --token <access token>)
       [--name <agent name>] [--key-file <path>] [--endpoint <url>] [--capabilities a,b]
       [--fault silent|equivocate|bad-signature]

The OAuth client needs consensus:manage to register the agent (once); connecting needs any quantum scope.
--key-file keeps the agent's key and id across runs (created on first run; without it the key lives only
in memory and every run registers a new agent). Faults: silent never votes; equivocate signs a second,
different digest for every PREPARE (and is caught: BYZANTINE, with evidence); bad-signature signs with a
key that is not the registered one (every vote is rejected and counted).

Coordinated actions it performs: ping (answers pong), report_metrics (CPU, memory, load, uptime of
this host); any other action is answered ok: false. A silent agent answers none.`;

const PROTOCOL = "vigil-consensus-v1";
const FAULTS = ["silent", "equivocate", "bad-signature"];

const { values: opts } = parseArgs({
  options: {
    url: { type: "string", default: process.env.VIGIL_URL ?? `http://localhost:${process.env.PORT ?? "8787"}` },
    "client-id": { type: "string", default: process.env.VIGIL_CLIENT_ID },
    "client-secret": { type: "string", default: process.env.VIGIL_CLIENT_SECRET },
    token: { type: "string", default: process.env.VIGIL_TOKEN },
    name: { type: "string", default: `agent-${hostname()}-${process.pid}` },
    "key-file": { type: "string" },
    endpoint: { type: "string" },
    capabilities: { type: "string", default: "consensus" },
    fault: { type: "string" },
    help: { type: "boolean", default: false },
  },
});
const hasCredentials = opts.token || (opts["client-id"] && opts["client-secret"]);
if (opts.help || !hasCredentials || (opts.fault && !FAULTS.includes(opts.fault))) {
  console.error(USAGE);
  process.exit(opts.help ? 0 : 2);
}

const encoder = new TextEncoder();
const b64 = (bytes) => Buffer.from(bytes).toString("base64");
const log = (msg, fields = {}) => console.log(JSON.stringify({ ts: new Date().toISOString(), agent: opts.name, msg, ...fields }));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sha256Hex = async (bytes) => Buffer.from(await crypto.subtle.digest("SHA-256", bytes)).toString("hex");

/** The canonical strings the cluster verifies (functions/quantum/consensus/model.ts). */
const voteMessage = (v) => `${PROTOCOL}:${v.phase}:${v.cluster_id}:${v.agent_id}:${v.view}:${v.sequence}:${v.n}:${v.digest}`;
const authMessage = (cluster, agent, nonce) => `${PROTOCOL}:auth:${cluster}:${agent}:${nonce}`;

/** Cached until a minute before it expires: token requests are rate limited per client IP. */
let token = { value: opts.token, expiresAt: Infinity };
async function accessToken() {
  if (token.value && Date.now() < token.expiresAt) return token.value;
  const res = await fetch(new URL("/v3/oauth/token", opts.url), {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: opts["client-id"],
      client_secret: opts["client-secret"],
    }),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`token request failed: ${res.status} ${JSON.stringify(body)}`);
  token = { value: body.access_token, expiresAt: Date.now() + (body.expires_in - 60) * 1000 };
  return token.value;
}

async function api(method, path, body) {
  const res = await fetch(new URL(path, opts.url), {
    method,
    headers: { Authorization: `Bearer ${await accessToken()}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${data?.error?.message ?? ""}`);
  return data;
}

/** The agent's identity: from --key-file when it exists, else a fresh key registered now (and saved there). */
async function identity() {
  const file = opts["key-file"];
  if (file && existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, "utf8"));
    const pkcs8 = Buffer.from(saved.private_key, "base64");
    const privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]);
    return { agentId: saved.agent_id, privateKey };
  }
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
  const publicKey = b64(await crypto.subtle.exportKey("raw", pair.publicKey));
  const agent = await api("POST", "/v3/consensus/agents", {
    name: opts.name,
    public_key: publicKey,
    endpoint: opts.endpoint ?? `https://${hostname()}/consensus-agents/${encodeURIComponent(opts.name)}`,
    capabilities: opts.capabilities.split(",").filter(Boolean),
    metadata: { runtime: `node ${process.version}`, fault: opts.fault ?? "none" },
  });
  log("registered", { agent_id: agent.agent_id, public_key: publicKey });
  if (file) {
    const privateKey = b64(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
    writeFileSync(file, JSON.stringify({ agent_id: agent.agent_id, public_key: publicKey, private_key: privateKey }, null, 2), {
      mode: 0o600,
    });
  }
  return { agentId: agent.agent_id, privateKey: pair.privateKey };
}

const me = await identity();
// bad-signature signs with a key the cluster has never seen.
const signingKey =
  opts.fault === "bad-signature"
    ? (await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"])).privateKey
    : me.privateKey;
const sign = async (message, key = signingKey) =>
  b64(await crypto.subtle.sign({ name: "Ed25519" }, key, encoder.encode(message)));

/** Honest agents never sign two digests for one (view, sequence); this remembers what was signed. */
const rounds = new Map();

function metrics() {
  const cpu = Math.min(100, (loadavg()[0] / Math.max(1, cpus().length)) * 100);
  return { cpu_usage: Math.round(cpu * 10) / 10, memory_usage: Math.round((1 - freemem() / totalmem()) * 1000) / 10 };
}

/** The actions this agent performs when the cluster asks: read-only, harmless, quick. */
const ACTIONS = {
  ping: () => ({ pong: true, agent_id: me.agentId, time: new Date().toISOString() }),
  report_metrics: () => ({
    ...metrics(),
    load_average: loadavg(),
    cpus: cpus().length,
    uptime_s: Math.round(uptime()),
    hostname: hostname(),
  }),
};

function actionResult(frame) {
  const run = Object.hasOwn(ACTIONS, frame.action) ? ACTIONS[frame.action] : null;
  if (!run) return { type: "action_result", action_id: frame.action_id, ok: false, error: `unknown action: ${frame.action}` };
  try {
    return { type: "action_result", action_id: frame.action_id, ok: true, result: run(frame.parameters) };
  } catch (err) {
    return { type: "action_result", action_id: frame.action_id, ok: false, error: String(err) };
  }
}

async function handle(ws, frame, state) {
  const send = (obj) => ws.send(JSON.stringify(obj));
  switch (frame.type) {
    case "challenge":
      state.clusterId = frame.cluster_id;
      // Authentication always uses the registered key, so even a bad-signature agent gets in.
      return send({ type: "auth", signature: await sign(authMessage(frame.cluster_id, me.agentId, frame.nonce), me.privateKey) });
    case "welcome":
      log("connected", { cluster_id: frame.cluster_id, view: frame.view });
      state.heartbeat = setInterval(
        () => send({ type: "heartbeat", status: "ACTIVE", metrics: metrics() }),
        frame.heartbeat_interval_ms,
      );
      return;
    case "pre_prepare": {
      const value = Buffer.from(frame.value_b64, "base64");
      if ((await sha256Hex(value)) !== frame.digest)
        return log("pre-prepare digest mismatch; not voting", { sequence: frame.sequence });
      const key = `${frame.view}:${frame.sequence}`;
      if (rounds.get(key) && rounds.get(key).digest !== frame.digest) return log("conflicting pre-prepare; not voting", { key });
      rounds.set(key, { digest: frame.digest, n: frame.n });
      log("pre-prepare", { sequence: frame.sequence, view: frame.view, n: frame.n, value: value.toString("utf8").slice(0, 80) });
      if (opts.fault === "silent") return;
      await vote(send, state, "prepare", frame);
      if (opts.fault === "equivocate")
        await vote(send, state, "prepare", { ...frame, digest: await sha256Hex(encoder.encode(`forged:${frame.digest}`)) });
      return;
    }
    case "prepared": {
      const round = rounds.get(`${frame.view}:${frame.sequence}`);
      if (opts.fault === "silent" || !round || round.digest !== frame.digest) return;
      return vote(send, state, "commit", { ...frame, n: round.n });
    }
    case "committed":
      log("committed", { sequence: frame.sequence, signers: frame.certificate.signatures.length });
      for (const k of rounds.keys()) if (k.endsWith(`:${frame.sequence}`)) rounds.delete(k);
      return;
    case "action":
      log("action", { action_id: frame.action_id, action: frame.action });
      if (opts.fault === "silent") return;
      return send(actionResult(frame));
    case "round_failed":
      return log("round failed", { sequence: frame.sequence, reason: frame.reason });
    case "error":
      return log("refused", { code: frame.code, message: frame.message, sequence: frame.sequence });
  }
}

async function vote(send, state, phase, f) {
  const fields = { view: f.view, sequence: f.sequence, digest: f.digest };
  const message = voteMessage({ ...fields, phase, cluster_id: state.clusterId, agent_id: me.agentId, n: f.n });
  send({ type: phase, ...fields, signature: await sign(message) });
}

/** One connection; resolves with the close code. */
async function connect() {
  const url = new URL(`/v3/consensus/agents/${me.agentId}/connect`, opts.url);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${await accessToken()}` } });
  const state = { clusterId: "", heartbeat: null };
  return new Promise((resolve) => {
    ws.on(
      "message",
      (data) => void handle(ws, JSON.parse(String(data)), state).catch((err) => log("error", { error: String(err) })),
    );
    ws.on("unexpected-response", (_, res) => {
      log("connect refused", { status: res.statusCode });
      resolve([403, 404, 410].includes(res.statusCode) ? 1008 : 1006);
    });
    ws.on("error", (err) => log("socket error", { error: String(err) }));
    ws.on("close", (code, reason) => {
      clearInterval(state.heartbeat);
      log("disconnected", { code, reason: String(reason) });
      resolve(code);
    });
  });
}

// Reconnects with backoff until the cluster refuses the agent for good (1008: bad key, BYZANTINE or deactivated).
for (let attempt = 0; ; attempt++) {
  const started = Date.now();
  const code = await connect().catch((err) => (log("connect failed", { error: String(err) }), 1006));
  if (code === 1008) process.exit(1);
  if (Date.now() - started > 60_000) attempt = 0;
  await sleep(Math.min(30_000, 500 * 2 ** Math.min(attempt, 6)));
}
