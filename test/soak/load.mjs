// Open-loop pacing: request k of a phase is due at start + k / rps, whatever earlier requests are
// doing (a slow server shows as latency, not as a lower rate), up to `maxInFlight` outstanding.
// Endpoints are interleaved by smooth weighted round robin, so each one's requests are evenly
// spaced too (the per-minute limits see a steady rate, never a burst).
import { performance } from "node:perf_hooks";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One cycle of smooth weighted round robin (nginx's): weights 2,1,1 give a,b,a,c. */
export function interleave(endpoints) {
  const total = endpoints.reduce((n, e) => n + e.weight, 0);
  const current = endpoints.map(() => 0);
  const order = [];
  for (let k = 0; k < total; k++) {
    endpoints.forEach((e, i) => (current[i] += e.weight));
    const best = current.indexOf(Math.max(...current));
    current[best] -= total;
    order.push(endpoints[best]);
  }
  return order;
}

export function newStats(endpoints) {
  return Object.fromEntries(endpoints.map((e) => [e.name, { statuses: {}, latencies: [], slow: [], failures: 0, samples: [] }]));
}

const REQUEST_TIMEOUT_MS = 30_000;
/** Requests slower than this are also recorded with their start time, to show whether they come in bursts. */
export const SLOW_MS = 250;

/** Sends one request and records its status, latency and whether it was what the endpoint expects. */
async function send(url, endpoint, i, stats, phase) {
  const st = stats[endpoint.name];
  let status;
  let problem = null;
  const t0 = performance.now();
  try {
    const req = await endpoint.build(i);
    const res = await fetch(url + req.path, {
      method: endpoint.name.split(" ")[0],
      headers: { ...(req.body ? { "Content-Type": "application/json" } : {}), ...req.headers },
      body: req.body ? JSON.stringify(req.body) : undefined,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    const ms = performance.now() - t0;
    st.latencies.push(ms);
    if (ms > SLOW_MS) st.slow.push(t0);
    status = String(res.status);
    if (res.status !== endpoint.expect) problem = text.slice(0, 300);
    else {
      let body = null;
      try {
        body = JSON.parse(text);
      } catch {}
      const verdict = endpoint.check(body, req);
      if (verdict !== true) {
        status = `${res.status} (bad body)`;
        problem = `${verdict}: ${text.slice(0, 200)}`;
      }
    }
  } catch (err) {
    status = err.name === "TimeoutError" ? "timeout" : `error ${err.cause?.code ?? err.message}`;
    problem = err.message;
  }
  st.statuses[status] = (st.statuses[status] ?? 0) + 1;
  if (problem !== null) {
    st.failures++;
    if (st.samples.length < 5) st.samples.push({ phase, i, status, problem });
  }
}

/**
 * Drives `seconds × rps` requests; returns the pacing figures. `shouldStop()` ends the phase early
 * (the server went away). Endpoint counters (`next`) carry over from phase to phase.
 */
export async function drive({ url, endpoints, rps, seconds, stats, phase, maxInFlight = 256, shouldStop = () => false }) {
  const order = interleave(endpoints);
  const total = Math.round(rps * seconds);
  const interval = 1000 / rps;
  const inFlight = new Set();
  let maxLagMs = 0;
  let blockedMs = 0;
  let peakInFlight = 0;
  let sent = 0;
  const start = performance.now();
  for (let k = 0; k < total && !shouldStop(); k++) {
    const due = start + k * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    else maxLagMs = Math.max(maxLagMs, -wait);
    if (inFlight.size >= maxInFlight) {
      const t = performance.now();
      while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
      blockedMs += performance.now() - t;
    }
    const endpoint = order[k % order.length];
    const p = send(url, endpoint, endpoint.next++, stats, phase).finally(() => inFlight.delete(p));
    inFlight.add(p);
    peakInFlight = Math.max(peakInFlight, inFlight.size);
    sent++;
  }
  const sendingMs = performance.now() - start;
  await Promise.all(inFlight);
  return {
    phase,
    startedAt: start,
    planned: total,
    sent,
    seconds: +(sendingMs / 1000).toFixed(1),
    achievedRps: +(sent / (sendingMs / 1000)).toFixed(1),
    maxLagMs: Math.round(maxLagMs),
    blockedMs: Math.round(blockedMs),
    peakInFlight,
    drainMs: Math.round(performance.now() - start - sendingMs),
  };
}

/** Samples `read()` (the workerd processes' RSS) every `everyMs`, tagging each sample with the current phase. */
export function startSampler(read, everyMs, phaseOf) {
  const samples = [];
  const t0 = performance.now();
  const take = () => samples.push({ t: (performance.now() - t0) / 1000, phase: phaseOf(), procs: read() });
  take();
  const timer = setInterval(take, everyMs);
  return {
    samples,
    take,
    stop() {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}
