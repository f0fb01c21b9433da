// Byzantine consensus: round latency (propose → certificate) at n = 4, 16 and 64 in-process honest
// agents, each proposal paired with a bare Durable Object write sampled in the same loop, and
// committed values per second with K concurrent proposers at n = 4 and 16.
import { startAgents } from "./consensus-agents.mjs";
import { median, percentile as p } from "./measure.mjs";
import { bareDoWrite, quantumClient, timed } from "./quantum.mjs";
import { randomIp } from "./seed.mjs";

const SCOPES = ["quantum:read", "quantum:write", "consensus:manage"];
const LATENCY_SAMPLES = { 4: 20, 16: 20, 64: 10 };
const THROUGHPUT_SIZES = [4, 16];
const PROPOSERS = Number(process.env.BENCH_CONSENSUS_PROPOSERS ?? 8);
const THROUGHPUT_SECONDS = Number(process.env.BENCH_CONSENSUS_SECONDS ?? 10);

let counter = 0;
/**
 * Generous timeouts: a view change would measure the round timeout, not the protocol, so any
 * round that needed one is counted and reported rather than hidden in the percentiles.
 */
const proposal = () => ({
  proposal_id: `bench-${process.pid}-${++counter}`,
  value: Buffer.from(`isolate node-${counter} at ${Date.now()}`).toString("base64"),
  timeout_ms: 30_000,
  round_timeout_ms: 10_000,
  metadata: { source: "bench" },
});

/**
 * A proposal whose answer has not come within ANSWER_WAIT_MS is asked again under its
 * proposal_id, which returns (or waits on) the same round, as the service itself does when the
 * cluster object fails mid-proposal. Rounds here take well under a second, so a re-ask means the
 * request lost its answer; each one is counted in `c.lost` and reported.
 */
const ANSWER_WAIT_MS = 5_000;

async function ask(vigil, c, body) {
  const res = await fetch(`${vigil.url}/v3/consensus/propose`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "CF-Connecting-IP": randomIp(), ...c.headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(ANSWER_WAIT_MS),
  });
  if (!res.ok) throw new Error(`propose → ${res.status} ${await res.text()}`);
  return res.json();
}

async function propose(vigil, c) {
  const body = proposal();
  for (let attempt = 1; ; attempt++) {
    try {
      const r = await ask(vigil, c, body);
      if (!r.consensus_achieved) throw new Error(`consensus round failed: ${r.failure_reason}`);
      if (attempt > 1)
        console.log(`a propose answer was lost; asked again, its round had committed in ${r.consensus_time_ms} ms`);
      return r;
    } catch (err) {
      if (err.name !== "TimeoutError" || attempt === 3) throw err;
      c.lost++;
    }
  }
}

/** A fresh tenant whose cluster has n live agents; the first round checks all n voted. */
async function cluster(vigil, n) {
  const { headers } = await quantumClient(vigil.url, SCOPES);
  const c = { headers, agents: await startAgents(vigil.url, headers, n), lost: 0 };
  const first = await propose(vigil, c);
  if (first.certificate.n !== n) throw new Error(`a round had ${first.certificate.n} voters, not ${n}`);
  return Object.assign(c, { view: first.view_number, lost: 0 });
}

async function latency(vigil, baseline, c, n) {
  const request = [];
  const inObject = [];
  const base = [];
  let viewChanges = 0;
  for (let i = 0; i < LATENCY_SAMPLES[n]; i++) {
    let r;
    request.push(await timed(async () => (r = await propose(vigil, c))));
    inObject.push(r.consensus_time_ms);
    if (r.view_number !== c.view) viewChanges++;
    base.push(await bareDoWrite(baseline));
  }
  return {
    agents: n,
    f: Math.floor((n - 1) / 3),
    samples: request.length,
    propose_p50_ms: p(request, 0.5),
    propose_p99_ms: p(request, 0.99),
    in_object_p50_ms: p(inObject, 0.5),
    bare_do_write_p50_ms: p(base, 0.5),
    x_bare: +(median(request) / median(base)).toFixed(1),
    view_changes: viewChanges,
    lost_answers: c.lost,
  };
}

/** K proposers, each sending its next proposal as soon as the last one commits. */
async function throughput(vigil, c, n) {
  c.lost = 0;
  const until = Date.now() + THROUGHPUT_SECONDS * 1000;
  const start = performance.now();
  let committed = 0;
  const proposer = async () => {
    while (Date.now() < until) {
      await propose(vigil, c);
      committed++;
    }
  };
  await Promise.all(Array.from({ length: PROPOSERS }, proposer));
  const seconds = (performance.now() - start) / 1000;
  return {
    agents: n,
    proposers: PROPOSERS,
    seconds: +seconds.toFixed(1),
    committed,
    per_second: +(committed / seconds).toFixed(1),
    lost_answers: c.lost,
  };
}

/** latency ∝ n^k between the smallest and largest cluster: k = log(p50 ratio) / log(n ratio). */
function growthExponent(rows) {
  const [a, b] = [rows[0], rows.at(-1)];
  return +(Math.log(b.propose_p50_ms / a.propose_p50_ms) / Math.log(b.agents / a.agents)).toFixed(2);
}

export async function measureConsensus(vigil, baseline) {
  const latencyRows = [];
  const throughputRows = [];
  for (const n of Object.keys(LATENCY_SAMPLES).map(Number)) {
    const c = await cluster(vigil, n);
    try {
      latencyRows.push(await latency(vigil, baseline, c, n));
      if (THROUGHPUT_SIZES.includes(n)) throughputRows.push(await throughput(vigil, c, n));
    } finally {
      c.agents.close();
    }
    console.log(`consensus n = ${n}: propose p50 ${latencyRows.at(-1).propose_p50_ms} ms`);
  }
  return { latency: latencyRows, throughput: throughputRows, growth_exponent: growthExponent(latencyRows) };
}

export function consensusMarkdown(c) {
  if (!c) return "";
  const [first, last] = [c.latency[0], c.latency.at(-1)];
  return [
    "\n| consensus round (propose → certificate) | p50 / p99 ms | in-object p50 ms | bare DO write p50 ms | × bare | view changes | answers lost |",
    "|---|---:|---:|---:|---:|---:|---:|",
    ...c.latency.map(
      (r) =>
        `| n = ${r.agents}, f = ${r.f} (${r.samples} sequential) | ${r.propose_p50_ms} / ${r.propose_p99_ms} | ${r.in_object_p50_ms} | ${r.bare_do_write_p50_ms} | ${r.x_bare} | ${r.view_changes} | ${r.lost_answers} |`,
    ),
    `\nRound latency grows as n^${c.growth_exponent} from n = ${first.agents} to n = ${last.agents} (p50 ${first.propose_p50_ms} → ${last.propose_p50_ms} ms).`,
    `Committed values per second, ${c.throughput[0]?.proposers} concurrent proposers: ${c.throughput
      .map((t) => `${t.per_second}/s at n = ${t.agents} (${t.committed} in ${t.seconds} s, ${t.lost_answers} answers lost)`)
      .join(", ")}.\n`,
  ].join("\n");
}
