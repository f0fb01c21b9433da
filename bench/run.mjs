// `npm run bench`: every scenario against its primitive, in one run, as medians and ratios.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { startRedisWithBridge } from "../test/node/upstash-bridge.mjs";
import { median, runOnce, summarize } from "./lib/measure.mjs";
import { seedCredentials } from "./lib/seed.mjs";
import { startBaseline, startVigil } from "./lib/servers.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
/** Enough principals that none passes its hourly limit (JWT 1000, API key 5000) during the run. */
const PRINCIPALS = { apiKeys: 40, users: 120 };

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

const BARE = "bare Response";
const D1 = "bare D1 indexed read";
const DO = "bare Durable Object RPC + SQLite write";
const UPSTASH = "bare Upstash sliding-window check (REST bridge → Redis Lua)";
const HEALTHZ = "GET /healthz (whole middleware stack)";

/** Each scenario names the primitive it cannot avoid; ratios are taken against it and /healthz. */
const SCENARIOS = [
  { name: BARE, target: "baseline", path: "/bare", primitive: null },
  { name: D1, target: "baseline", path: "/d1-read", primitive: null },
  { name: DO, target: "baseline", path: "/do-write", primitive: null },
  { name: UPSTASH, target: "baseline", path: "/upstash", primitive: null },
  { name: HEALTHZ, target: "vigil", path: "/healthz", primitive: BARE },
  { name: "GET /healthz behind the local assets router", target: "vigilWithAssets", path: "/healthz", primitive: BARE },
  {
    name: "GET /auth/me, API key, embedded limiter",
    target: "vigil",
    path: "/auth/me",
    headerSets: creds.vigil.apiKeyHeaders,
    primitive: DO,
  },
  {
    name: "GET /auth/me, JWT, embedded limiter",
    target: "vigil",
    path: "/auth/me",
    headerSets: creds.vigil.jwtHeaders,
    primitive: DO,
  },
  {
    name: "GET /auth/me, API key, Upstash limiter",
    target: "vigilUpstash",
    path: "/auth/me",
    headerSets: creds.vigilUpstash.apiKeyHeaders,
    primitive: UPSTASH,
  },
  {
    name: "GET /auth/me, JWT, Upstash limiter",
    target: "vigilUpstash",
    path: "/auth/me",
    headerSets: creds.vigilUpstash.jwtHeaders,
    primitive: UPSTASH,
  },
];

const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
const active = SCENARIOS.filter((s) => !only || only.test(s.name) || !s.target.startsWith("vigil") || s.name === HEALTHZ);
const runs = Object.fromEntries(active.map((s) => [s.name, []]));
const drive = (s, duration) =>
  runOnce({ url: servers[s.target].url + s.path, headerSets: s.headerSets, connections: CONNECTIONS, duration });
try {
  for (const s of active) await drive(s, 2);
  // Interleave scenarios run by run so drift on a noisy machine hits them alike.
  for (let i = 0; i < RUNS; i++) {
    for (const s of active) {
      const r = await drive(s, DURATION);
      runs[s.name].push(r);
      console.log(
        `run ${i + 1}/${RUNS} ${s.name}: ${Math.round(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms${r.non2xx ? `, ${r.non2xx} non-2xx` : ""}`,
      );
    }
  }
} finally {
  for (const server of Object.values(servers)) await server.close();
  await upstash.close();
}

const results = active.map((s) => ({ name: s.name, path: s.path, primitive: s.primitive, ...summarize(runs[s.name]) }));
const byName = Object.fromEntries(results.map((r) => [r.name, r]));
/** Ratios pair run i of one scenario with run i of the other (they ran back to back), then take the median. */
const pairedRatio = (a, b) => +median(a.runs.map((run, i) => run.rps / b.runs[i].rps)).toFixed(3);
for (const r of results) {
  r.ratio_to_healthz = pairedRatio(r, byName[HEALTHZ]);
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
  ...results.map(
    (r) => `| ${r.name} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.ratio_to_healthz} | ${r.ratio_to_primitive ?? "—"} |`,
  ),
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
