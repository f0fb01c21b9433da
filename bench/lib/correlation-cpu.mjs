// CPU time of the correlation itself (the pure function POST /api/correlate and the pipeline
// run), at growing input sizes, bundled from the Worker's source and run in Node.
import { importBundled } from "../../scripts/import-bundled.mjs";
import { withGrowth } from "./growth.mjs";
import { median } from "./measure.mjs";

async function loadCorrelate() {
  return (await importBundled("correlate", ['export { correlate } from "./functions/command/correlation.ts";'])).correlate;
}

const SEVERITIES = ["low", "medium", "high", "critical"];
const TYPES = ["grid", "lng", "access", "comms", "defense"];

export function events(n) {
  const start = Date.now() - 3_600_000;
  return Array.from({ length: n }, (_, i) => ({
    id: `evt_${i}`,
    // Shuffled times, so the sort does real work.
    occurredAt: start + Math.floor(Math.random() * 3_600_000),
    severity: SEVERITIES[i % 4],
    country: ["Russia", "China", "Iran"][i % 3],
    countryCode: ["RU", "CN", "IR"][i % 3],
    system: `${TYPES[i % 5]}-${i % 50}`,
    systemType: TYPES[i % 5],
  }));
}

/** Median milliseconds per call at each size, and the growth exponent between consecutive sizes. */
export async function measureCorrelationCpu(sizes = [1_000, 10_000, 100_000]) {
  const correlate = await loadCorrelate();
  const rows = [];
  for (const n of sizes) {
    const input = events(n);
    const reps = Math.max(5, Math.round(200_000 / n));
    for (let i = 0; i < reps; i++) correlate(input); // warm the JIT at this size
    const times = [];
    for (let i = 0; i < reps; i++) {
      const t = process.hrtime.bigint();
      correlate(input);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    rows.push({ events: n, ms: +median(times).toFixed(3) });
  }
  return withGrowth(rows, "events", "ms");
}
