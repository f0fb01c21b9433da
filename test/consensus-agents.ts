import { authMessage, voteMessage, type VotePhase } from "../functions/quantum/consensus/model";
import { call, eventually, postJson } from "./helpers";

/**
 * Simulated consensus agents for tests: each has a real Ed25519 key, registers over REST, connects
 * through the Worker's connect route and answers the protocol. `silent` never votes, `equivocate`
 * signs a second, different digest for every PREPARE, `bad-signature` signs with a key that is not
 * its own; `holdCommits` makes an honest agent keep its COMMITs until `release()`. Every agent but
 * a silent one answers a coordinated action at once, echoing it back as its result.
 */
export type Fault = "honest" | "silent" | "equivocate" | "bad-signature";

type Frame = Record<string, unknown> & { type: string };

const encoder = new TextEncoder();
const b64 = (bytes: ArrayBuffer | Uint8Array) => btoa(String.fromCharCode(...new Uint8Array(bytes)));

async function sha256Hex(data: Uint8Array): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function ed25519Keys() {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  return { pair, publicKey: b64((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer) };
}

export class TestAgent {
  readonly frames: Frame[] = [];
  holdCommits = false;
  reconnect = true;
  private ws: WebSocket | null = null;
  private clusterId = "";
  private held: Frame[] = [];

  private constructor(
    readonly id: string,
    readonly name: string,
    readonly publicKey: string,
    private readonly keys: CryptoKeyPair,
    readonly fault: Fault,
    private readonly headers: Record<string, string>,
  ) {}

  static async register(headers: Record<string, string>, name: string, fault: Fault = "honest"): Promise<TestAgent> {
    const { pair, publicKey } = await ed25519Keys();
    const body = { name, public_key: publicKey, endpoint: `https://agents.test/${name}`, capabilities: ["consensus"] };
    const res = await postJson("/v3/consensus/agents", body, headers);
    if (res.status !== 201) throw new Error(`register failed: ${res.status} ${await res.text()}`);
    const { agent_id } = (await res.json()) as { agent_id: string };
    return new TestAgent(agent_id, name, publicKey, pair, fault, headers);
  }

  /** Opens the socket and answers the challenge; resolves once the object has welcomed the agent. */
  async connect(): Promise<void> {
    const res = await call(`/v3/consensus/agents/${this.id}/connect`, { headers: { ...this.headers, Upgrade: "websocket" } });
    if (res.status !== 101 || !res.webSocket) throw new Error(`connect failed: ${res.status} ${await res.text()}`);
    const ws = res.webSocket;
    this.ws = ws;
    ws.accept();
    const welcomes = this.seen("welcome");
    ws.addEventListener("message", (m) => void this.handle(JSON.parse(String(m.data)) as Frame));
    ws.addEventListener("close", () => {
      if (this.ws === ws && this.reconnect) setTimeout(() => void this.connect().catch(() => {}), 20);
    });
    await eventually(() => this.seen("welcome") > welcomes, 5_000);
  }

  close(): void {
    this.reconnect = false;
    this.ws?.close(1000, "done");
  }

  seen(type: string): number {
    return this.frames.filter((f) => f.type === type).length;
  }

  send(frame: Record<string, unknown>): void {
    this.ws?.send(JSON.stringify(frame));
  }

  async sign(message: string, key = this.keys.privateKey): Promise<string> {
    return b64(await crypto.subtle.sign({ name: "Ed25519" }, key, encoder.encode(message)));
  }

  /** Sends the COMMITs held back so far, and stops holding. */
  async release(): Promise<void> {
    this.holdCommits = false;
    const held = this.held;
    this.held = [];
    for (const f of held) await this.vote("commit", f);
  }

  private async handle(f: Frame): Promise<void> {
    this.frames.push(f);
    if (f.type === "challenge") {
      this.clusterId = String(f.cluster_id);
      this.send({ type: "auth", signature: await this.sign(authMessage(this.clusterId, this.id, String(f.nonce))) });
    } else if (f.type === "pre_prepare" && this.fault !== "silent") {
      const value = Uint8Array.from(atob(String(f.value_b64)), (c) => c.charCodeAt(0));
      if ((await sha256Hex(value)) !== f.digest) return;
      await this.vote("prepare", f);
      if (this.fault === "equivocate")
        await this.vote("prepare", { ...f, digest: await sha256Hex(encoder.encode(`forged:${f.digest}`)) });
    } else if (f.type === "action" && this.fault !== "silent") {
      const result = { agent: this.name, action: f.action, echo: f.parameters };
      this.send({ type: "action_result", action_id: f.action_id, ok: true, result });
    } else if (f.type === "prepared" && this.fault !== "silent") {
      if (this.holdCommits) this.held.push(f);
      else await this.vote("commit", f);
    }
  }

  private async vote(phase: VotePhase, f: Frame): Promise<void> {
    const fields = { view: Number(f.view), sequence: Number(f.sequence), digest: String(f.digest) };
    const n = Number(f.n ?? this.lastN(fields.sequence));
    const message = voteMessage({ ...fields, phase, cluster_id: this.clusterId, agent_id: this.id, n });
    const key = this.fault === "bad-signature" ? (await ed25519Keys()).pair.privateKey : this.keys.privateKey;
    this.send({ type: phase, ...fields, signature: await this.sign(message, key) });
  }

  /** `prepared` does not repeat n; it is the one of the round's latest pre-prepare. */
  private lastN(sequence: number): number {
    const pre = this.frames.filter((x) => x.type === "pre_prepare" && x.sequence === sequence).at(-1);
    return Number(pre?.n ?? 0);
  }
}

/** A tenant cluster of connected agents with the given faults, and manage-scoped headers. */
export async function clusterOf(headers: Record<string, string>, faults: Fault[]): Promise<TestAgent[]> {
  const agents = await Promise.all(faults.map((f, i) => TestAgent.register(headers, `agent-${i}-${f}`, f)));
  await Promise.all(agents.map((a) => a.connect()));
  return agents;
}
