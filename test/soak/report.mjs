// The soak's RSS analysis and its printed summary.
import { median, percentile } from "../../bench/lib/measure.mjs";
import { SLOW_MS } from "./load.mjs";

const mib = (kib) => +(kib / 1024).toFixed(1);

/**
 * Growth of the workerd runtime serving Vigil over the measured phase: the median RSS of its last
 * quarter of samples minus the median of its first quarter (medians, so one sample taken during a
 * garbage collection or a burst of allocations moves neither end). The dev proxy's workerd is
 * reported the same way but not bounded: it is wrangler's, not Vigil's.
 */
export function analyseRss(samples, boundMiB) {
  const soak = samples.filter((s) => s.phase === "soak");
  // Samples taken while the process was gone (it died or restarted) are left out; run.mjs reports that apart.
  const byRole = (role) =>
    soak
      .filter((s) => s.procs.some((p) => p.role === role))
      .map((s) => s.procs.filter((p) => p.role === role).reduce((n, p) => n + p.rssKiB, 0) / 1024);
  const describe = (values) => {
    if (!values.length) return null;
    const q = Math.max(1, Math.floor(values.length / 4));
    const first = median(values.slice(0, q));
    const last = median(values.slice(-q));
    return {
      samples: values.length,
      min: +Math.min(...values).toFixed(1),
      median: +median(values).toFixed(1),
      max: +Math.max(...values).toFixed(1),
      firstQuarterMedian: +first.toFixed(1),
      lastQuarterMedian: +last.toFixed(1),
      growth: +(last - first).toFixed(1),
    };
  };
  const runtimeSeries = byRole("runtime");
  const runtime = describe(runtimeSeries);
  const proxy = describe(byRole("proxy"));
  const idle = samples.find((s) => s.phase === "idle");
  const after = samples.at(-1);
  const runtimeOf = (s) => mib(s?.procs.filter((p) => p.role === "runtime").reduce((n, p) => n + p.rssKiB, 0) ?? 0);
  let failure = null;
  if (!runtime || runtime.samples < 4)
    failure = `too few RSS samples of the workerd runtime (${runtime?.samples ?? 0}) to judge growth`;
  else if (runtime.growth > boundMiB)
    failure = `workerd runtime RSS grew ${runtime.growth} MiB (last-quarter median ${runtime.lastQuarterMedian} − first-quarter median ${runtime.firstQuarterMedian}), over the ${boundMiB} MiB bound`;
  return {
    ok: failure === null,
    failure,
    boundMiB,
    runtime,
    proxy,
    idleMiB: runtimeOf(idle),
    afterMiB: runtimeOf(after),
    series: runtimeSeries.map(Math.round),
  };
}

const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);

export function printSummary({
  config,
  runId,
  plan,
  stats,
  phases,
  overall,
  rss,
  ledger,
  verified,
  worker,
  machine,
  failures,
  seconds,
}) {
  const line = "─".repeat(100);
  console.log(`\n── soak summary (run ${runId}) ${line.slice(30)}`);
  console.log(
    `  ${config.rps} req/s, warm-up ${config.warmupSeconds} s + ${config.seconds} s; ${machine.cpus} CPUs, load average ` +
      `${machine.loadBefore.join(" ")} before, ${machine.loadAfter.join(" ")} after`,
  );
  for (const p of phases)
    console.log(
      `  ${pad(p.phase, 7)} sent ${p.sent}/${p.planned} in ${p.seconds} s = ${p.achievedRps} req/s; max lag ${p.maxLagMs} ms, ` +
        `peak in flight ${p.peakInFlight}, blocked ${p.blockedMs} ms, drained in ${p.drainMs} ms`,
    );
  console.log(
    `  principals: ${plan.apiKeys} API keys, ${plan.threatReaders} threat readers, ${plan.machines} × ${plan.claimKeysPerMachine} claim keys, 1 premium OAuth client`,
  );

  console.log(
    `\n  ${pad("endpoint", 26)} ${lpad("requests", 8)}  ${pad("statuses", 34)} ${lpad("p50 ms", 8)} ${lpad("p99 ms", 8)}`,
  );
  for (const [name, st] of Object.entries(stats)) {
    const n = Object.values(st.statuses).reduce((a, b) => a + b, 0);
    const statuses = Object.entries(st.statuses)
      .map(([k, v]) => `${k}×${v}`)
      .join(" ");
    const p50 = st.latencies.length ? percentile(st.latencies, 0.5) : "—";
    const p99 = st.latencies.length ? percentile(st.latencies, 0.99) : "—";
    console.log(`  ${pad(name, 26)} ${lpad(n, 8)}  ${pad(statuses, 34)} ${lpad(p50, 8)} ${lpad(p99, 8)}`);
  }
  const byClass = { "2xx": 0, "4xx": 0, 429: 0, "5xx": 0, other: 0 };
  for (const st of Object.values(stats))
    for (const [k, v] of Object.entries(st.statuses)) {
      const code = Number(k.slice(0, 3));
      if (code === 429) byClass[429] += v;
      else if (code >= 200 && code < 300) byClass["2xx"] += v;
      else if (code >= 400 && code < 500) byClass["4xx"] += v;
      else if (code >= 500 && code < 600) byClass["5xx"] += v;
      else byClass.other += v;
    }
  console.log(
    `  ${pad("all", 26)} ${lpad(overall.requests, 8)}  ${pad(`2xx ${byClass["2xx"]}, 4xx ${byClass["4xx"]}, 429 ${byClass[429]}, 5xx ${byClass["5xx"]}, other ${byClass.other}`, 34)} ${lpad(overall.p50 ?? "—", 8)} ${lpad(overall.p99 ?? "—", 8)}`,
  );

  // Slow requests grouped into bursts (starts less than 2 s apart), timed from the first request sent.
  const slow = Object.values(stats)
    .flatMap((st) => st.slow)
    .sort((a, b) => a - b);
  const bursts = [];
  for (const t of slow) {
    const last = bursts.at(-1);
    if (last && t - last.end < 2000) Object.assign(last, { end: t, n: last.n + 1 });
    else bursts.push({ start: t, end: t, n: 1 });
  }
  const at = (t) => ((t - phases[0].startedAt) / 1000).toFixed(0);
  console.log(
    `  slower than ${SLOW_MS} ms: ${slow.length} request(s) in ${bursts.length} burst(s)` +
      (bursts.length
        ? `: ${bursts
            .slice(0, 15)
            .map((b) => `${b.n} at ${at(b.start)} s`)
            .join(", ")}${bursts.length > 15 ? ", …" : ""}`
        : ""),
  );

  console.log(`\n  workerd RSS over the measured ${config.seconds} s (MiB, a sample every ${config.sampleSeconds} s):`);
  for (const [role, r] of [
    ["runtime (Vigil)", rss.runtime],
    ["dev proxy", rss.proxy],
  ]) {
    if (!r) continue;
    console.log(
      `    ${pad(role, 16)} ${r.samples} samples: min ${r.min}, median ${r.median}, max ${r.max}; first-quarter median ` +
        `${r.firstQuarterMedian}, last-quarter median ${r.lastQuarterMedian}, growth ${r.growth}` +
        (role.startsWith("runtime") ? ` (bound ${rss.boundMiB})` : " (not bounded)"),
    );
  }
  console.log(`    runtime idle after seeding ${rss.idleMiB}, after the load ${rss.afterMiB}; series ${rss.series.join(" ")}`);

  console.log(`\n  writes in vs stored:`);
  for (const c of verified.checks)
    console.log(`    ${c.ok ? "ok  " : "FAIL"} ${c.name}: in ${c.in}, stored ${c.stored}${c.detail ? ` — ${c.detail}` : ""}`);
  const blockers = Object.entries(ledger.claimBlockers)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  console.log(
    `    claims fired ${ledger.claimsFired}; blockers: ${blockers || "none"}${verified.info ? `; ${verified.info}` : ""}`,
  );
  console.log(
    `  Worker log lines: ${worker.warnings} warning(s), ${worker.errors.length} error(s)` +
      (worker.errors.length ? `; first: ${worker.errors[0].slice(0, 300)}` : ""),
  );

  if (failures.length) {
    console.log(`\n  FAILURES (${failures.length}):`);
    for (const f of failures) console.log(`    - ${f.split("\n").join("\n      ")}`);
  }
  console.log(`  total ${seconds.toFixed(1)} s`);
  console.log(line);
}
