// `npm run bench`: every scenario against its primitive, in one run, as medians and ratios.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { startRedisWithBridge } from "../test/node/upstash-bridge.mjs";
import { median, runOnce, summarize } from "./lib/measure.mjs";
import { seedCommandTenant, seedEvents, seedMesh } from "./lib/command-seed.mjs";
import { measureFanout } from "./lib/fanout.mjs";
import { measureWebhookFanout } from "./lib/webhook-fanout.mjs";
import { seedAgentClaims } from "./lib/av-seed.mjs";
import { seedIncidentTenant } from "./lib/incidents-seed.mjs";
import { measureScaling } from "./lib/scaling.mjs";
import { handlerCpuMarkdown } from "./lib/handler-cpu.mjs";
import { isolated } from "./lib/isolated.mjs";
import { bundleMarkdown, measureBundle } from "./lib/bundle.mjs";
import { buildGoals, goalsMarkdown } from "./lib/goals.mjs";
import { measureQuantum, quantumMarkdown } from "./lib/quantum.mjs";
import { consensusMarkdown, measureConsensus } from "./lib/consensus.mjs";
import { buildScenarios, HEALTHZ, THREATS_100K, THREATS_1K } from "./lib/scenarios.mjs";
import { seedCredentials } from "./lib/seed.mjs";
import { startBaseline, startVigil } from "./lib/servers.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
/** Enough principals that none passes its hourly limit (JWT 1000, API key 5000) during the run. */
/**
 * Users hold the seed's 1,000 JWT requests an hour each: 240 of them carry a full run's ~3,800 /auth/me
 * requests a second (about 122,000 over 3 × 10 s and the warm-up); 120 ran out in the third run.
 */
const PRINCIPALS = { apiKeys: 40, users: 240 };
/**
 * Write keys for the command scenarios. The seed allows 60 history reads, 30 correlations and 20
 * isolations a minute per principal, so sustained throughput needs many principals; 1200 keys,
 * each used about once a second in a run, keep every key's cache and limiter object warm.
 */
const COMMAND_KEYS = Number(process.env.BENCH_COMMAND_KEYS ?? 1200);

/** Wall seconds of every stage (into meta.seconds): what each part adds to a full run. */
const seconds = {};
const runStarted = performance.now();
async function stage(label, work) {
  const start = performance.now();
  try {
    return await work();
  } finally {
    seconds[label] = +((performance.now() - start) / 1000).toFixed(1);
    console.log(`(${label}: ${seconds[label]} s)`);
  }
}

const upstash = await startRedisWithBridge();
const servers = await stage("start servers (bundle, workerd × 4, migrations)", async () => ({
  baseline: await startBaseline({ upstash }),
  vigil: await startVigil(),
  vigilWithAssets: await startVigil({ withAssets: true }),
  vigilUpstash: await startVigil({ upstash }),
}));
console.log("seeding credentials…");
const creds = await stage("seed credentials", async () => ({
  vigil: await seedCredentials(servers.vigil.url, PRINCIPALS),
  vigilUpstash: await seedCredentials(servers.vigilUpstash.url, PRINCIPALS),
}));

const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
/** A family is seeded only when BENCH_ONLY can select one of its scenarios (each probe names them). */
const wanted = (probe) => !only || only.test(probe);
let command = null;
if (wanted("command console /api/ isolate-node reroute events correlate")) {
  console.log("seeding the command console tenant…");
  command = await stage("seed command console", async () => {
    const commandTenant = await seedCommandTenant(servers.vigil.url, COMMAND_KEYS);
    return {
      headerSets: commandTenant.headerSets,
      eventIds: await seedEvents(servers.vigil.db, commandTenant.tenantId, 10_000),
      nodeIds: await seedMesh(servers.vigil.db, commandTenant.tenantId, 20_000),
    };
  });
}
let av = null;
if (wanted("agent claims /api/av/claim /api/av/threats scaling")) {
  console.log("seeding agent-claims machines (and a 100,000-claim log)…");
  av = await stage("seed agent claims", () => seedAgentClaims(servers.vigil));
}
let inc = null;
if (wanted("incident response /api/v1/incidents /api/v1/logs rule scaling")) {
  console.log("seeding the incident-response tenants (100,000 incidents and 50 rules; 1,000 incidents)…");
  inc = await stage("seed incident response", () => seedIncidentTenant(servers.vigil));
  // The same list on a small tenant, for the list's scaling (1,000 → 100,000 incidents). At least one
  // key per connection: before each run every key sends one request, and autocannon needs as many as connections.
  inc.small = await stage("seed incident response, 1,000-incident tenant", () =>
    seedIncidentTenant(servers.vigil, { incidents: 1_000, keys: Math.max(16, CONNECTIONS), rules: 0 }),
  );
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
let ruleCpu = [];
let scaling = [];
let handlerCpu = null;
let bundle = null;
let quantum = null;
let consensus = null;
try {
  /**
   * Order: the blocks (latency, CPU, bundle) on a quiet machine; then the throughput scenarios;
   * ingestion (`after`) last, since its rule-evaluation backlog outlasts its own run and would load
   * whatever followed it.
   */
  const runPhase = (label, phase) =>
    stage(`scenarios, ${label} (${phase.length} scenarios)`, async () => {
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
    });
  // The blocks first, on a quiet machine: the scenarios that emit events leave work on the EVENTS
  // queue that outlasts them (a full run's phase 1 left a canary alert queued for over a minute).
  if (!only || only.test("fan-out")) {
    console.log("measuring live fan-out…");
    for (const subscribers of [1, 100, 1000])
      fanout.push(
        await stage(`live fan-out, ${subscribers} subscribers`, () => measureFanout(servers.vigil, { subscribers, samples: 30 })),
      );
  }
  if (!only || only.test("correlation cpu scaling"))
    correlationCpu = await stage("correlation CPU", () => isolated("./correlation-cpu.mjs", "measureCorrelationCpu"));
  if (!only || only.test("rule cpu scaling")) {
    console.log("measuring rule evaluation CPU (1,000 / 10,000 / 100,000 records × 50 rules)…");
    ruleCpu = await stage("rule evaluation CPU", () => isolated("./rule-cpu.mjs", "measureRuleCpu"));
  }
  if (!only || only.test("handler cpu")) {
    console.log("measuring CPU per request of the hot handlers (Node)…");
    handlerCpu = await stage("CPU per request", () => isolated("./handler-cpu.mjs", "measureHandlerCpu"));
  }
  if (!only || only.test("bundle start-up startup")) {
    console.log("measuring the bundle and its start-up…");
    bundle = await stage("bundle and start-up", () => measureBundle());
  }
  if (!only || only.test("quantum")) {
    console.log("measuring quantum defense (fragmentation, canary → webhook, analyzer CPU)…");
    quantum = await stage("quantum", () => measureQuantum(servers.vigil, servers.baseline));
  }
  if (!only || only.test("consensus")) {
    console.log("measuring Byzantine consensus (round latency at n = 4, 16, 64; committed values per second)…");
    consensus = await stage("consensus", () => measureConsensus(servers.vigil, servers.baseline));
  }
  if (!only || only.test("webhook")) {
    console.log("measuring webhook fan-out…");
    webhookFanout = await stage("webhook fan-out", () => measureWebhookFanout(servers.vigil));
  }
  // Request-time curves, one request at a time.
  if (!only || only.test("scaling")) {
    console.log("measuring request-time scaling (incident list, threats)…");
    scaling = await stage("request-time scaling", () => measureScaling(servers.vigil, { inc, av }));
  }
  await runPhase(
    "phase 1",
    active.filter((s) => !s.after),
  );
  const last = active.filter((s) => s.after);
  if (last.length) await runPhase("phase 2, ingestion", last);
} finally {
  for (const server of Object.values(servers)) await server.close();
  await upstash.close();
}

const results = active.map((s) => {
  const summary = summarize(runs[s.name]);
  // Ingestion is reported in records as well as requests.
  const records = s.recordsPerRequest ? { records_per_second: Math.round(summary.rps * s.recordsPerRequest) } : {};
  const excluded = s.excluded ? { excluded: s.excluded } : {};
  return { name: s.name, path: s.path, primitive: s.primitive, ...summary, ...records, ...excluded };
});
const byName = Object.fromEntries(results.map((r) => [r.name, r]));
/** Ratios pair run i of one scenario with run i of the other (they ran back to back), then take the median. */
const pairedRatio = (a, b, q = "rps") => +median(a.runs.map((run, i) => run[q] / b.runs[i][q])).toFixed(3);
for (const r of results) {
  r.ratio_to_healthz = pairedRatio(r, byName[HEALTHZ]);
  r.ratio_to_primitive = r.primitive ? pairedRatio(r, byName[r.primitive]) : null;
  // The tail goal: this scenario's p99 over its primitive's, run by run.
  r.primitive_p99 = r.primitive ? byName[r.primitive].p99 : null;
  r.p99_ratio_to_primitive = r.primitive ? +pairedRatio(r, byName[r.primitive], "p99").toFixed(2) : null;
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
  only: process.env.BENCH_ONLY ?? null,
  seconds,
  total_seconds: +((performance.now() - runStarted) / 1000).toFixed(1),
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
          `| ${f.subscribers.toLocaleString("en")} subscriber(s) on ${f.keys} key(s) of one tenant, ${f.samples} events | ${f.emit_to_last_receive_ms.p50} / ${f.emit_to_last_receive_ms.p99} | ${f.command_to_last_receive_ms.p50} / ${f.command_to_last_receive_ms.p99} |`,
      ),
    ].join("\n")
  : "";
const cpuTable = correlationCpu.length
  ? [
      "\n| correlate() CPU, events | ms per call | growth exponent | n log n would be |",
      "|---:|---:|---:|---:|",
      ...correlationCpu.map(
        (c) => `| ${c.events.toLocaleString("en")} | ${c.ms} | ${c.growth_exponent ?? "—"} | ${c.n_log_n_exponent ?? "—"} |`,
      ),
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
const ruleTable = ruleCpu.length
  ? [
      "\n| rule evaluation CPU (Node, the Worker's matcher), records × 50 rules | ms | µs a record and rule | growth exponent | n log n would be |",
      "|---:|---:|---:|---:|---:|",
      ...ruleCpu.map(
        (r) =>
          `| ${r.records.toLocaleString("en")} | ${r.ms} | ${r.us_per_record_rule} | ${r.growth_exponent ?? "—"} | ${r.n_log_n_exponent ?? "—"} |`,
      ),
    ].join("\n")
  : "";
const scalingTable = scaling.length
  ? [
      "\n| request time vs data size (one request at a time, median) | size | ms | p99 ms | growth exponent | n log n would be |",
      "|---|---:|---:|---:|---:|---:|",
      ...scaling.flatMap((c) =>
        c.rows.map(
          (r) =>
            `| ${c.name} | ${r.size.toLocaleString("en")} | ${r.ms} | ${r.p99_ms} | ${r.growth_exponent ?? "—"} | ${r.n_log_n_exponent ?? "—"} |`,
        ),
      ),
    ].join("\n")
  : "";
const ingestLines = results
  .filter((r) => r.records_per_second)
  .map((r) => `\n${r.name}: ${r.records_per_second.toLocaleString("en")} records/s.`)
  .join("");
const growthLine = latencyGrowth
  ? `\nThreats read latency, 100,000-claim log ÷ 1,000-claim log (same 1,000 rows returned): p50 ${latencyGrowth.p50}×, p99 ${latencyGrowth.p99}× (goal ≤ 2).\n`
  : "";
const goals = buildGoals({
  results,
  healthz: HEALTHZ,
  connections: CONNECTIONS,
  handlerCpu,
  correlationCpu,
  ruleCpu,
  scaling,
  latencyGrowth,
  bundle,
});
const sections = [
  table,
  growthLine,
  ingestLines,
  fanoutTable,
  cpuTable,
  ruleTable,
  scalingTable,
  webhookTable,
  quantumMarkdown(quantum),
  consensusMarkdown(consensus),
  handlerCpuMarkdown(handlerCpu),
  bundleMarkdown(bundle),
  goalsMarkdown(goals, results, HEALTHZ),
  `Run time ${Math.round(meta.total_seconds)} s${meta.only ? ` (BENCH_ONLY=${meta.only})` : ""}: ${Object.entries(seconds)
    .map(([label, t]) => `${label} ${t} s`)
    .join("; ")}.`,
];
const markdown = `# Benchmark ${meta.date}\n\n\`${meta.command}\`: ${RUNS} runs × ${DURATION} s, ${CONNECTIONS} connections, medians (ratios: median of per-run ratios); ${meta.server}; Node ${meta.node}, ${meta.cpus}.\n\n${sections
  .filter(Boolean)
  .map((section) => section.replace(/^\n+|\n+$/g, ""))
  .join("\n\n")}\n`;

mkdirSync("bench/results", { recursive: true });
writeFileSync(
  "bench/results/latest.json",
  `${JSON.stringify({ meta, goals, results, latencyGrowth, ruleCpu, scaling, fanout, correlationCpu, webhookFanout, quantum, consensus, handlerCpu, bundle }, null, 2)}\n`,
);
writeFileSync("bench/results/latest.md", markdown);
console.log(`\n${markdown}`);
if (invalid.length) {
  console.error(`Invalid figures (non-2xx or errors): ${invalid.map((r) => r.name).join(", ")}`);
  process.exit(1);
}
