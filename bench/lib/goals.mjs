// The issue's goals, each with this run's figure and whether it is met: generated into latest.md
// from whatever the run measured (a goal whose figures were not selected says so).
import { N_LOG_N_SLACK, withinNLogN } from "./growth.mjs";
import { CPU_GOAL_MS } from "./handler-cpu.mjs";
import { BUNDLE_LIMITS } from "./bundle.mjs";

export const GOALS = { healthz: 0.9, primitive: 0.7, p99: 2, cpuMs: CPU_GOAL_MS, threatsP99Growth: 2 };

const MET = "met";
const MISSED = "**not met**";
const NOT_MEASURED = "not measured in this run";
/** The status of a goal with no figure: the measured column already says why. */
const NONE = "—";
const list = (items) => items.join("; ");

/** Vigil's scenarios held to the per-scenario goals: every one with a primitive, less those excluded with a reason. */
const judged = (results, healthz) => results.filter((r) => r.primitive && !r.excluded && r.name !== healthz);

function scenarioGoals(results, healthz, connections) {
  const rows = [];
  const h = results.find((r) => r.name === healthz);
  rows.push({
    goal: `GET /healthz through the whole middleware stack ≥ ${GOALS.healthz} × a bare Response`,
    measured: h ? `${h.ratio_to_primitive} × (median of per-run ratios; ${h.rps} req/s)` : NOT_MEASURED,
    status: h ? (h.ratio_to_primitive >= GOALS.healthz ? MET : MISSED) : NONE,
  });
  const scenarios = judged(results, healthz);
  const slow = scenarios.filter((r) => r.ratio_to_primitive < GOALS.primitive);
  rows.push({
    goal: `every scenario ≥ ${GOALS.primitive} × the primitive it must touch (req/s)`,
    measured: scenarios.length
      ? `${scenarios.length - slow.length} of ${scenarios.length} meet it${slow.length ? `; below: ${list(slow.map((r) => `${r.name} ${r.ratio_to_primitive}`))}` : ""}`
      : NOT_MEASURED,
    status: scenarios.length ? (slow.length ? MISSED : MET) : NONE,
  });
  const withP99 = [h, ...scenarios].filter(Boolean);
  const tail = withP99.filter((r) => r.p99_ratio_to_primitive > GOALS.p99);
  rows.push({
    goal: `at 16 connections every scenario's p99 ≤ ${GOALS.p99} × its primitive's p99${connections === 16 ? "" : ` (this run: ${connections} connections)`}`,
    measured: withP99.length
      ? `${withP99.length - tail.length} of ${withP99.length} meet it${tail.length ? `; above: ${list(tail.map((r) => `${r.name} ${r.p99_ratio_to_primitive}`))}` : ""}`
      : NOT_MEASURED,
    status: withP99.length ? (tail.length ? MISSED : MET) : NONE,
  });
  return rows;
}

function cpuGoal(handlerCpu) {
  const goal = `no endpoint's CPU per request above ${CPU_GOAL_MS} ms except those doing cryptography by design (named)`;
  if (!handlerCpu) return { goal, measured: NOT_MEASURED, status: NONE };
  const over = handlerCpu.rows.filter((r) => r.over_goal);
  const plain = over.filter((r) => !r.crypto);
  const crypto = over.filter((r) => r.crypto);
  const named = (rows) => list(rows.map((r) => `${r.endpoint} (${r.work}) ${r.cpu_ms} ms`));
  return {
    goal,
    measured: `${handlerCpu.rows.length - over.length} of ${handlerCpu.rows.length} measured ≤ ${CPU_GOAL_MS} ms${plain.length ? `; over without cryptography: ${named(plain)}` : ""}${crypto.length ? `; over by design (cryptography): ${named(crypto)}` : ""}`,
    status: plain.length ? MISSED : MET,
  };
}

/** A curve's rows carry `growth_exponent` and `n_log_n_exponent` from the second size on. */
function curveGoal(name, rows, size) {
  const goal = `${name}: growth no worse than n log n (exponent ≤ n log n's + ${N_LOG_N_SLACK})`;
  const steps = rows?.slice(1) ?? [];
  if (!steps.length) return { goal, measured: NOT_MEASURED, status: NONE };
  const fmt = (n) => n.toLocaleString("en");
  return {
    goal,
    measured: list(
      steps.map((r, i) => `${fmt(rows[i][size])} → ${fmt(r[size])}: n^${r.growth_exponent} (n log n: ${r.n_log_n_exponent})`),
    ),
    status: steps.every(withinNLogN) ? MET : MISSED,
  };
}

export function buildGoals({
  results,
  healthz,
  connections,
  handlerCpu,
  correlationCpu,
  ruleCpu,
  scaling,
  latencyGrowth,
  bundle,
}) {
  const rows = [...scenarioGoals(results, healthz, connections), cpuGoal(handlerCpu)];
  rows.push(curveGoal("correlate() CPU at 1k / 10k / 100k events", correlationCpu, "events"));
  rows.push(curveGoal("rule evaluation CPU at 1k / 10k / 100k records × 50 rules", ruleCpu, "records"));
  for (const name of ["incidents", "threats"]) {
    const c = scaling?.find((x) => x.name.includes(name));
    rows.push(
      curveGoal(
        c?.name ??
          (name === "incidents" ? "GET /api/v1/incidents at 1k / 100k incidents" : "GET /api/av/threats at 1k / 100k claims"),
        c?.rows,
        "size",
      ),
    );
  }
  rows.push({
    goal: `threats read p99, 100,000-claim log ÷ 1,000-claim log ≤ ${GOALS.threatsP99Growth}`,
    measured: latencyGrowth ? `p99 ${latencyGrowth.p99}× (p50 ${latencyGrowth.p50}×)` : NOT_MEASURED,
    status: latencyGrowth ? (latencyGrowth.p99 <= GOALS.threatsP99Growth ? MET : MISSED) : NONE,
  });
  const size = bundle?.size;
  rows.push({
    goal: "bundle (compressed) within Workers' 3 MiB (free) and 10 MiB (paid) limits",
    measured: size
      ? `${(size.gzip_bytes / 1024).toFixed(0)} KiB gzip (${(size.raw_bytes / 1024).toFixed(0)} KiB raw)`
      : NOT_MEASURED,
    status: size
      ? size.gzip_bytes <= BUNDLE_LIMITS.free_gzip_bytes
        ? MET
        : size.gzip_bytes <= BUNDLE_LIMITS.paid_gzip_bytes
          ? "paid plan only"
          : MISSED
      : NONE,
  });
  const startup = bundle?.startup;
  rows.push({
    goal: `module start-up within Workers' ${startup?.limit_ms ?? 1000} ms start-up limit (a platform limit, reported)`,
    measured: startup
      ? `${startup.import_ms.vigil} ms to import the bundle in a fresh workerd (baseline Worker ${startup.import_ms.baseline} ms)`
      : NOT_MEASURED,
    status: startup ? (startup.import_ms.vigil <= startup.limit_ms ? MET : MISSED) : NONE,
  });
  return rows;
}

/** Per scenario: its two ratios against its primitive (req/s, p99), each against its goal. */
function scenarioTable(results, healthz) {
  const rows = results.filter((r) => r.primitive && (r.name === healthz || !r.excluded));
  if (!rows.length) return "";
  const ok = (x) => (x ? MET : MISSED);
  return [
    "\n| scenario | primitive | × primitive req/s | goal | p99 ms (primitive's) | p99 × primitive | goal ≤ 2 |",
    "|---|---|---:|---|---:|---:|---|",
    ...rows.map((r) => {
      const floor = r.name === healthz ? GOALS.healthz : GOALS.primitive;
      return `| ${r.name} | ${r.primitive} | ${r.ratio_to_primitive} | ≥ ${floor}: ${ok(r.ratio_to_primitive >= floor)} | ${r.p99} (${r.primitive_p99}) | ${r.p99_ratio_to_primitive} | ${ok(r.p99_ratio_to_primitive <= GOALS.p99)} |`;
    }),
    ...results
      .filter((r) => r.excluded)
      .map(
        (r) =>
          `| ${r.name} | ${r.primitive} | ${r.ratio_to_primitive} | not judged: ${r.excluded} | ${r.p99} (${r.primitive_p99}) | ${r.p99_ratio_to_primitive} | — |`,
      ),
  ].join("\n");
}

export function goalsMarkdown(goals, results, healthz) {
  return [
    "\n## Goals\n",
    "| goal | measured | status |",
    "|---|---|---|",
    ...goals.map((g) => `| ${g.goal} | ${g.measured} | ${g.status} |`),
    scenarioTable(results, healthz),
    "",
  ].join("\n");
}
