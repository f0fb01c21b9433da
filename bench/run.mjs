// `npm run bench`: every scenario against its primitive, in one run, as medians and ratios.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { median, runOnce, summarize } from "./lib/measure.mjs";
import { startBaseline, startVigil } from "./lib/servers.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);

/** Each scenario names the primitive it cannot avoid; ratios are taken against it and /healthz. */
const BARE = "bare Response (baseline worker)";
const HEALTHZ = "GET /healthz (whole middleware stack)";
const SCENARIOS = [
  { name: BARE, target: "baseline", path: "/bare", primitive: null },
  { name: HEALTHZ, target: "vigil", path: "/healthz", primitive: BARE },
  { name: "GET /healthz behind the local assets router", target: "vigilWithAssets", path: "/healthz", primitive: BARE },
];

const servers = {
  vigil: await startVigil({ withAssets: false }),
  vigilWithAssets: await startVigil({ withAssets: true }),
  baseline: await startBaseline(),
};
const runs = Object.fromEntries(SCENARIOS.map((s) => [s.name, []]));
try {
  for (const s of SCENARIOS) await runOnce({ url: servers[s.target].url + s.path, connections: CONNECTIONS, duration: 2 });
  // Interleave scenarios run by run so drift on a noisy machine hits them alike.
  for (let i = 0; i < RUNS; i++) {
    for (const s of SCENARIOS) {
      const r = await runOnce({ url: servers[s.target].url + s.path, connections: CONNECTIONS, duration: DURATION });
      runs[s.name].push(r);
      console.log(`run ${i + 1}/${RUNS} ${s.name}: ${Math.round(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms`);
    }
  }
} finally {
  for (const server of Object.values(servers)) await server.close();
}

const results = SCENARIOS.map((s) => ({ name: s.name, path: s.path, primitive: s.primitive, ...summarize(runs[s.name]) }));
const byName = Object.fromEntries(results.map((r) => [r.name, r]));
const healthz = byName[HEALTHZ];
/** Ratios pair run i of one scenario with run i of the other (they ran back to back), then take the median. */
const pairedRatio = (a, b) => +median(a.runs.map((run, i) => run.rps / b.runs[i].rps)).toFixed(3);
for (const r of results) {
  r.ratio_to_healthz = pairedRatio(r, healthz);
  r.ratio_to_primitive = r.primitive ? pairedRatio(r, byName[r.primitive]) : null;
}

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
  "| scenario | req/s | p50 ms | p99 ms | × /healthz | × primitive |",
  "|---|---:|---:|---:|---:|---:|",
  ...results.map((r) => `| ${r.name} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.ratio_to_healthz} | ${r.ratio_to_primitive ?? "—"} |`),
].join("\n");
const markdown = `# Benchmark ${meta.date}\n\n\`${meta.command}\`: ${RUNS} runs × ${DURATION} s, ${CONNECTIONS} connections, medians (ratios: median of per-run ratios); ${meta.server}; Node ${meta.node}, ${meta.cpus}.\n\n${table}\n`;

mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/latest.json", `${JSON.stringify({ meta, results }, null, 2)}\n`);
writeFileSync("bench/results/latest.md", markdown);
console.log(`\n${markdown}`);
if (invalid.length) {
  console.error(`Invalid figures (non-2xx or errors): ${invalid.map((r) => r.name).join(", ")}`);
  process.exit(1);
}
