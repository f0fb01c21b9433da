// `node test/soak/run.mjs`: a bounded soak of Vigil under `wrangler dev` (see test/soak/README.md).
//
// Starts Vigil on a fresh temporary state directory, seeds a tenant through the admin API, drives
// a steady mix of reads and writes over the four API families at SOAK_RPS for a warm-up plus
// SOAK_SECONDS, under every documented rate limit; samples the workerd processes' RSS; then reads
// every accepted write back. Fails on any 5xx, any unexpected 4xx (429 included), a timeout, RSS
// growth past the bound, pacing that fell behind, or a write that cannot be read back.
import { randomBytes } from "node:crypto";
import { cpus, loadavg } from "node:os";
import { percentile } from "../../bench/lib/measure.mjs";
import { buildEndpoints, newLedger, planPool } from "./endpoints.mjs";
import { drive, newStats, startSampler } from "./load.mjs";
import { analyseRss, printSummary } from "./report.mjs";
import { seedTenant } from "./seed.mjs";
import { stopOnEveryExit } from "../node/processes.mjs";
import { createStack, ROOT, SetupError } from "./stack.mjs";
import { verifyWrites } from "./verify.mjs";

process.chdir(ROOT); // wrangler resolves wrangler.toml and the migrations from the repository root

const num = (name, fallback) => {
  const v = process.env[name];
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number (got ${v})`);
  return n;
};
const config = {
  rps: num("SOAK_RPS", 40),
  seconds: num("SOAK_SECONDS", 60),
  warmupSeconds: num("SOAK_WARMUP_SECONDS", 10),
  sampleSeconds: num("SOAK_SAMPLE_SECONDS", 5),
  rssBoundMiB: num("SOAK_RSS_BOUND_MIB", 384),
  logBatch: num("SOAK_LOG_BATCH", 10),
  maxInFlight: num("SOAK_MAX_IN_FLIGHT", 256),
  simulation: process.env.SOAK_SIMULATION !== "0",
  keep: process.env.SOAK_KEEP === "1",
};
const started = Date.now();
const runId = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
const stack = createStack({ keep: config.keep });
const log = (msg) => console.log(`soak: ${msg}`);
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
// Every way out stops wrangler and its workerd (their own process group) and removes the temp dir.
const interrupted = stopOnEveryExit({
  name: "soak",
  stopping: "stopping wrangler dev",
  cleanup: stack.cleanup,
  killNow: stack.killNow,
});

let exitCode = 1;
try {
  const load0 = loadavg().map((l) => l.toFixed(2));
  log(
    `run ${runId}: ${config.rps} req/s for ${config.warmupSeconds} s warm-up + ${config.seconds} s; load average ${load0.join(" ")}`,
  );
  const { url, admin } = await stack.start();
  log(`Vigil on ${url} (${elapsed()})`);
  const plan = planPool({ rps: config.rps, totalSeconds: config.warmupSeconds + config.seconds, logBatch: config.logBatch });
  const s = await seedTenant(admin, { runId, simulation: config.simulation, ...plan });
  log(
    `seeded tenant ${s.tenantId}: ${s.keys.length} API keys, ${s.machines.length} machines × ${plan.claimKeysPerMachine} claim key(s), ` +
      `${plan.threatReaders} threat readers, ${s.partRules.length} log-count rule(s) (${elapsed()})`,
  );

  const ledger = newLedger(s.machines);
  const endpoints = buildEndpoints({ s, runId, plan, logBatch: config.logBatch, ledger });
  const stats = newStats(endpoints);
  let phase = "idle";
  const sampler = startSampler(
    () => stack.workerd(),
    config.sampleSeconds * 1000,
    () => phase,
  );
  const runtimePid = sampler.samples[0].procs.find((p) => p.role === "runtime")?.pid;
  if (!runtimePid)
    throw new SetupError("no workerd runtime found in wrangler dev's process group (RSS is read from Linux's /proc)");
  const runtimePids = new Set();
  // wrangler exited, or the workerd serving Vigil is gone from the latest sample: stop driving.
  const lost = () => !stack.running() || !sampler.samples.at(-1).procs.some((p) => p.pid === runtimePid);
  const common = { url, endpoints, rps: config.rps, stats, maxInFlight: config.maxInFlight, shouldStop: lost };
  phase = "warmup";
  sampler.take();
  const warmup = await drive({ ...common, seconds: config.warmupSeconds, phase });
  phase = "soak";
  sampler.take();
  const soak = await drive({ ...common, seconds: config.seconds, phase });
  sampler.take();
  phase = "after";
  const samples = sampler.stop();
  for (const sample of samples) for (const p of sample.procs) if (p.role === "runtime") runtimePids.add(p.pid);
  log(`load done (${elapsed()}); reading the writes back`);

  const failures = [];
  if (lost())
    failures.push(`wrangler dev or its workerd runtime (pid ${runtimePid}) went away during the run:\n${stack.logTail()}`);
  const verified = lost() ? { checks: [], info: "" } : await verifyWrites({ url, admin, s, runId, ledger });

  const rss = analyseRss(samples, config.rssBoundMiB);
  const loadAfter = loadavg().map((l) => l.toFixed(2));
  const workerLog = stack.logTail(100_000);
  const workerWarnings = (workerLog.match(/"level":"warn"/g) ?? []).length;
  const workerErrors = workerLog.split("\n").filter((l) => l.includes('"level":"error"'));

  for (const [name, st] of Object.entries(stats)) {
    if (st.failures) failures.push(`${name}: ${st.failures} unexpected response(s): ${JSON.stringify(st.samples.slice(0, 3))}`);
  }
  for (const p of [warmup, soak]) {
    if (p.sent < p.planned) failures.push(`${p.phase}: sent ${p.sent} of ${p.planned} planned requests`);
    if (p.achievedRps < 0.9 * config.rps)
      failures.push(
        `${p.phase}: paced ${p.achievedRps} req/s, under 90% of ${config.rps} (blocked ${p.blockedMs} ms at the in-flight cap)`,
      );
  }
  if (runtimePids.size > 1) failures.push(`the workerd runtime restarted during the run (pids ${[...runtimePids].join(", ")})`);
  if (!rss.ok) failures.push(rss.failure);
  for (const c of verified.checks) if (!c.ok) failures.push(`${c.name}: in ${c.in}, stored ${c.stored} (${c.detail})`);

  const all = Object.values(stats).flatMap((st) => st.latencies);
  printSummary({
    config,
    runId,
    plan,
    stats,
    phases: [warmup, soak],
    overall: {
      requests: all.length,
      p50: all.length ? percentile(all, 0.5) : null,
      p99: all.length ? percentile(all, 0.99) : null,
    },
    rss,
    ledger,
    verified,
    worker: { warnings: workerWarnings, errors: workerErrors },
    machine: { cpus: cpus().length, loadBefore: load0, loadAfter },
    failures,
    seconds: (Date.now() - started) / 1000,
  });
  exitCode = failures.length ? 1 : 0;
} catch (err) {
  if (interrupted()) await new Promise(() => {}); // the signal handler exits
  console.error(`\nsoak: ${err instanceof SetupError ? err.message : (err.stack ?? err)}`);
  console.error(`soak: wrangler log (last lines):\n${stack.logTail(30)}`);
  exitCode = 1;
} finally {
  await stack.cleanup();
}
if (interrupted()) await new Promise(() => {});
log(`${exitCode === 0 ? "passed" : "FAILED"} in ${elapsed()}`);
process.exit(exitCode);
