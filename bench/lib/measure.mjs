// autocannon runs: fixed duration and connection count, several runs, medians reported.
import autocannon from "autocannon";

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** The nearest-rank quantile, to 0.1 ms: with few samples p99 is the slowest one. */
export const percentile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return +sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(1);
};

/**
 * `headerSets` rotates credentials request by request (one set per principal, round robin, so
 * every principal gets the same share); `bodyFor(i)` gives the i-th request its own body.
 */
export async function runOnce({ url, method = "GET", headers, headerSets, body, bodyFor, connections, duration, amount }) {
  let n = 0;
  const setup = (req) => {
    const i = n++;
    return {
      ...req,
      headers: { ...req.headers, ...(headerSets?.length ? headerSets[i % headerSets.length] : {}) },
      ...(bodyFor ? { body: bodyFor(i) } : {}),
    };
  };
  const requests = headerSets?.length || bodyFor ? [{ setupRequest: setup }] : undefined;
  const length = amount ? { amount } : { duration };
  const result = await autocannon({ url, method, headers, body, connections, ...length, pipelining: 1, requests });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    timeouts: result.timeouts,
  };
}

/** Medians over runs; any non-2xx or socket error makes the scenario's figures invalid. */
export function summarize(runs) {
  return {
    rps: Math.round(median(runs.map((r) => r.rps))),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    requests: runs.reduce((n, r) => n + r.requests, 0),
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    runs,
  };
}
