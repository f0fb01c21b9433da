// `npm run bench`: every scenario against its primitive, in one run, as medians and ratios.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { startRedisWithBridge } from "../test/node/upstash-bridge.mjs";
import { median, runOnce, summarize } from "./lib/measure.mjs";
import { seedCommandTenant, seedEvents, seedMesh } from "./lib/command-seed.mjs";
import { measureCorrelationCpu } from "./lib/correlation-cpu.mjs";
import { measureFanout } from "./lib/fanout.mjs";
import { measureWebhookFanout } from "./lib/webhook-fanout.mjs";
import { seedAgentClaims } from "./lib/av-seed.mjs";
import { seedIncidentTenant } from "./lib/incidents-seed.mjs";
import { measureRuleCpu } from "./lib/rule-cpu.mjs";
import { measureQuantum, quantumMarkdown } from "./lib/quantum.mjs";
import { consensusMarkdown, measureConsensus } from "./lib/consensus.mjs";
import { buildScenarios, HEALTHZ, THREATS_100K, THREATS_1K } from "./lib/scenarios.mjs";
import { seedCredentials } from "./lib/seed.mjs";
import { startBaseline, startVigil } from "./lib/servers.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
/** Enough principals that none passes its hourly limit (JWT 1000, API key 5000) during the run. */
const PRINCIPALS = { apiKeys: 40, users: 120 };
/**
 * Write keys for the command scenarios. The seed allows 60 history reads, 30 correlations and 20
 * isolations a minute per principal, so sustained throughput needs many principals; 1200 keys,
 * each used about once a second in a run, keep every key's cache and limiter object warm.
 */
const COMMAND_KEYS = Number(process.env.BENCH_COMMAND_KEYS ?? 1200);

const upstash = await startRedisWithBridge();
const servers = {
  baseline: await startBaseline({ upstash }),
  vigil: await startVigil(),
  vigilWithAssets: await startVigil({ withAssets: true }),
  vigilUpstash: await startVigil({ upstash }),
};
console.log("seeding credentials…");
const creds = {
  vigil: await seedCredentials(servers.vigil.url, PRINCIPALS),
  vigilUpstash: await seedCredentials(servers.vigilUpstash.url, PRINCIPALS),
};

const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
/** A family is seeded only when BENCH_ONLY can select one of its scenarios (each probe names them). */
const wanted = (probe) => !only || only.test(probe);
let command = null;
if (wanted("command console /api/ isolate-node reroute events correlate")) {
  console.log("seeding the command console tenant…");
  const commandTenant = await seedCommandTenant(servers.vigil.url, COMMAND_KEYS);
  command = {
    headerSets: commandTenant.headerSets,
    eventIds: await seedEvents(servers.vigil.db, commandTenant.tenantId, 10_000),
    nodeIds: await seedMesh(servers.vigil.db, commandTenant.tenantId, 20_000),
  };
}
let av = null;
if (wanted("agent claims /api/av/claim /api/av/threats")) {
  console.log("seeding agent-claims machines (and a 100,000-claim log)…");
  av = await seedAgentClaims(servers.vigil);
}
let inc = null;
if (wanted("incident response /api/v1/incidents /api/v1/logs rule")) {
  console.log("seeding the incident-response tenant (100,000 incidents, 50 rules)…");
  inc = await seedIncidentTenant(servers.vigil);
}
const SCENARIOS = buildScenarios({ creds, command, av, inc });

const active = SCENARIOS.filter((s) => !only || only.test(s.name) || !s.target.startsWith("vigil") || s.name === HEALTHZ);
const runs = Object.fromEntries(active.map((s) => [s.name, []]));
/**
 * Before each run, every principal of a scenario sends one untimed request: the other scenarios
 * ran in between, long enough for credential caches (30 s) and idle limiter objects to go cold,
 * which a steady stream of the same clients would never see.
 */
async function drive(s, duration) {
  const url = servers[s.target].url + s.path;
  if (s.headerSets) await runOnce({ ...s, url, connections: CONNECTIONS, amount: s.headerSets.length });
  return runOnce({ ...s, url, connections: CONNECTIONS, duration });
}
const fanout = [];
let correlationCpu = [];
let webhookFanout = [];
let ruleCpu = null;
let quantum = null;
let consensus = null;
try {
  /**
   * Ingestion leaves work on the queue (rule evaluation) that outlasts its own run and would load
   * every scenario after it, so the scenarios marked `after` run in a phase of their own, last.
   */
  const phases = [active.filter((s) => !s.after), active.filter((s) => s.after)];
  for (const phase of phases) {
    for (const s of phase) await drive(s, 2);
    // Interleave scenarios run by run so drift on a noisy machine hits them alike.
    for (let i = 0; i < RUNS; i++) {
      for (const s of phase) {
        const r = await drive(s, DURATION);
        runs[s.name].push(r);
        console.log(
          `run ${i + 1}/${RUNS} ${s.name}: ${Math.round(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms${r.non2xx ? `, ${r.non2xx} non-2xx` : ""}`,
        );
      }
    }
  }
  if (!only || only.test("fan-out")) {
    console.log("measuring live fan-out…");
    for (const subscribers of [1, 100]) fanout.push(await measureFanout(servers.vigil, { subscribers, samples: 30 }));
  }
  if (!only || only.test("correlation")) correlationCpu = await measureCorrelationCpu();
  if (!only || only.test("rule")) ruleCpu = await measureRuleCpu();
  if (!only || only.test("quantum")) {
    console.log("measuring quantum defense (fragmentation, canary → webhook, analyzer CPU)…");
    quantum = await measureQuantum(servers.vigil, servers.baseline);
  }
  if (!only || only.test("consensus")) {
    console.log("measuring Byzantine consensus (round latency at n = 4, 16, 64; committed values per second)…");
    consensus = await measureConsensus(servers.vigil, servers.baseline);
  }
  if (!only || only.test("webhook")) {
    console.log("measuring webhook fan-out…");
    webhookFanout = await measureWebhookFanout(servers.vigil);
  }
} finally {
  for (const server of Object.values(servers)) await server.close();
  await upstash.close();
}

const results = active.map((s) => {
  const summary = summarize(runs[s.name]);
  // Ingestion is reported in records as well as requests.
  const records = s.recordsPerRequest ? { records_per_second: Math.round(summary.rps * s.recordsPerRequest) } : {};
  return { name: s.name, path: s.path, primitive: s.primitive, ...summary, ...records };
});
const byName = Object.fromEntries(results.map((r) => [r.name, r]));
/** Ratios pair run i of one scenario with run i of the other (they ran back to back), then take the median. */
const pairedRatio = (a, b) => +median(a.runs.map((run, i) => run.rps / b.runs[i].rps)).toFixed(3);
for (const r of results) {
  r.ratio_to_healthz = pairedRatio(r, byName[HEALTHZ]);
  r.ratio_to_primitive = r.primitive ? pairedRatio(r, byName[r.primitive]) : null;
}
/** How a read's latency grows with the log under it: run i of the large log over run i of the small one. */
const latencyGrowth =
  byName[THREATS_1K] && byName[THREATS_100K]
    ? Object.fromEntries(
        ["p50", "p99"].map((q) => [
          q,
          +median(byName[THREATS_100K].runs.map((run, i) => run[q] / byName[THREATS_1K].runs[i][q])).toFixed(2),
        ]),
      )
    : null;

const meta = {
  date: new Date().toISOString(),
  command: "npm run bench",
  runs: RUNS,
  seconds_per_run: DURATION,
  connections: CONNECTIONS,
  node: process.version,
  cpus: `${cpus().length} × ${cpus()[0]?.model ?? "unknown"}`,
  server: "workerd via Miniflare (no wrangler dev proxy), LOG_LEVEL=warn",
};
const invalid = results.filter((r) => r.non2xx || r.errors);
const table = [
  "| scenario | req/s | p50 ms | p99 ms | × /healthz | × primitive | primitive |",
  "|---|---:|---:|---:|---:|---:|---|",
  ...results.map(
    (r) =>
      `| ${r.name} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.ratio_to_healthz} | ${r.ratio_to_primitive ?? "—"} | ${r.primitive ?? "—"} |`,
  ),
].join("\n");
const fanoutTable = fanout.length
  ? [
      "\n| live fan-out (isolate-node → every WebSocket subscriber) | emit → last receive p50 / p99 ms | command sent → last receive p50 / p99 ms |",
      "|---|---:|---:|",
      ...fanout.map(
        (f) =>
          `| ${f.subscribers} subscriber(s), ${f.samples} events | ${f.emit_to_last_receive_ms.p50} / ${f.emit_to_last_receive_ms.p99} | ${f.command_to_last_receive_ms.p50} / ${f.command_to_last_receive_ms.p99} |`,
      ),
    ].join("\n")
  : "";
const cpuTable = correlationCpu.length
  ? [
      "\n| correlate() CPU, events | ms per call | growth exponent | n log n would be |",
      "|---:|---:|---:|---:|",
      ...correlationCpu.map((c) => `| ${c.events} | ${c.ms} | ${c.growth_exponent ?? "—"} | ${c.n_log_n_exponent ?? "—"} |`),
    ].join("\n")
  : "";
const webhookTable = webhookFanout.length
  ? [
      "\n| webhook fan-out (one isolate-node event) | emit → last delivery ms (median) | command sent → last delivery ms | burst |",
      "|---|---:|---:|---|",
      ...webhookFanout.map(
        (w) =>
          `| ${w.endpoints} endpoint(s), ${w.samples} events | ${w.emit_to_last_delivery_ms} | ${w.command_to_last_delivery_ms} | ${w.burst ? `${w.burst.deliveries} deliveries in ${w.burst.seconds} s = ${w.burst.deliveries_per_second}/s` : "—"} |`,
      ),
    ].join("\n")
  : "";
const ruleLine = ruleCpu
  ? `\nRule evaluation CPU (Node, the Worker's matcher): ${ruleCpu.records.toLocaleString("en")} records × ${ruleCpu.rules} rules in ${ruleCpu.ms} ms (${ruleCpu.us_per_record_rule} µs a record and rule).\n`
  : "";
const ingestLines = results
  .filter((r) => r.records_per_second)
  .map((r) => `\n${r.name}: ${r.records_per_second.toLocaleString("en")} records/s.`)
  .join("");
const growthLine = latencyGrowth
  ? `\nThreats read latency, 100,000-claim log ÷ 1,000-claim log (same 1,000 rows returned): p50 ${latencyGrowth.p50}×, p99 ${latencyGrowth.p99}× (goal ≤ 2).\n`
  : "";
const markdown = `# Benchmark ${meta.date}\n\n\`${meta.command}\`: ${RUNS} runs × ${DURATION} s, ${CONNECTIONS} connections, medians (ratios: median of per-run ratios); ${meta.server}; Node ${meta.node}, ${meta.cpus}.\n\n${table}\n${growthLine}${ingestLines}${ingestLines ? "\n" : ""}${ruleLine}${fanoutTable}\n${cpuTable}\n${webhookTable}\n${quantumMarkdown(quantum)}${consensusMarkdown(consensus)}`;

mkdirSync("bench/results", { recursive: true });
writeFileSync(
  "bench/results/latest.json",
  `${JSON.stringify({ meta, results, latencyGrowth, ruleCpu, fanout, correlationCpu, webhookFanout, quantum, consensus }, null, 2)}\n`,
);
writeFileSync("bench/results/latest.md", markdown);
console.log(`\n${markdown}`);
if (invalid.length) {
  console.error(`Invalid figures (non-2xx or errors): ${invalid.map((r) => r.name).join(", ")}`);
  process.exit(1);
}
