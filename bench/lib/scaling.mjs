// Request-time scaling curves: the same request against a small and a large data set, one request
// at a time (so the figure is time per request, not queueing), and the growth exponent between them.
// Incident list: newest 20 of 1,000 and of 100,000 incidents. Threats: newest 1,000 claims of a
// 1,000-claim and a 100,000-claim log (BENCH_LARGE_LOG changes the large size).
import { withGrowth } from "./growth.mjs";
import { median, percentile as p } from "./measure.mjs";

/** Median and p99 ms of `samples` sequential GETs of `path`, rotating `headerSets`, after `warmup` untimed ones. */
async function sequential(url, path, headerSets, { samples, warmup = 10 }) {
  const times = [];
  for (let i = 0; i < warmup + samples; i++) {
    const start = performance.now();
    const res = await fetch(url + path, { headers: headerSets[i % headerSets.length] });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${path} → ${res.status}`);
    if (i >= warmup) times.push(performance.now() - start);
  }
  return { ms: +median(times).toFixed(2), p99_ms: p(times, 0.99), samples };
}

/** One curve: the same request at each size, smallest first. */
async function curve(url, name, sizes, samples) {
  const rows = [];
  for (const s of sizes) rows.push({ size: s.size, ...(await sequential(url, s.path, s.headerSets, { samples })) });
  return { name, rows: withGrowth(rows, "size", "ms") };
}

/**
 * `inc` holds the 100,000-incident tenant and `inc.small` the 1,000-incident one; `av` the two
 * claim logs and the readers (public reads are limited per caller address, so they rotate).
 */
export async function measureScaling(vigil, { inc, av }, { samples = 100 } = {}) {
  const curves = [];
  if (inc?.small) {
    const path = "/api/v1/incidents?per_page=20";
    curves.push(
      await curve(
        vigil.url,
        "GET /api/v1/incidents?per_page=20 (newest 20)",
        [
          { size: inc.small.incidents, path, headerSets: inc.small.headerSets },
          { size: inc.incidents, path, headerSets: inc.headerSets },
        ],
        samples,
      ),
    );
  }
  if (av) {
    const path = (slug) => `/api/av/threats?slug=${slug}`;
    curves.push(
      await curve(
        vigil.url,
        "GET /api/av/threats (newest 1,000 claims)",
        [
          { size: av.logSizes.small, path: path(av.logs.small), headerSets: av.readers },
          { size: av.logSizes.large, path: path(av.logs.large), headerSets: av.readers },
        ],
        Math.round(samples / 2),
      ),
    );
  }
  return curves;
}
