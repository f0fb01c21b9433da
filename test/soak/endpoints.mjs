// The soak's request mix and its pacing plan. Each endpoint builds its i-th request (credentials
// rotated round robin over a pool, so every principal gets an even share), names the one status it
// expects, checks the body, and records what a write stored so the run can count it back.
import { uniqueIp } from "./seed.mjs";

const ZEQOND_HZ = 1.287;
const zeqondNow = () => Math.floor((Date.now() / 1000) * ZEQOND_HZ);
const SEVERITIES = ["LOW", "MEDIUM", "HIGH", "CRITICAL"];

/** Each endpoint's share of the request rate (equal: 8 endpoints, 5 req/s each at 40 req/s). */
export const WEIGHTS = {
  "GET /api/v1/incidents": 1,
  "GET /api/events/history": 1,
  "GET /api/mesh/nodes": 1,
  "GET /v3/consensus/status": 1,
  "GET /api/av/threats": 1,
  "POST /api/v1/incidents": 1,
  "POST /api/av/claim": 1,
  "POST /api/v1/logs": 1,
};

/**
 * How many principals each limit needs so that no caller goes past `headroom` of any documented
 * limit (functions/platform/rate-limit/policies.ts) at the planned rate, whatever the duration:
 * - /api/events (history): 60 a minute per principal, fixed window;
 * - /api/mesh (list): 120 a minute per principal, fixed window;
 * - incident response, API key: 5000 an hour per key, sliding; reads and writes and logs together,
 *   over the whole run (or an hour, when longer) plus the checks afterwards;
 * - /api/av/claim: 600 a minute per key, sliding; /api/av/threats: 120 a minute per caller (an
 *   anonymous caller of a public machine is its CF-Connecting-IP);
 * - quantum defense: a premium client's token bucket (1000/s, burst 5000) and 10,000,000 a day.
 */
export function planPool({ rps, totalSeconds, logBatch, headroom = 0.5, machines = 2 }) {
  const sum = Object.values(WEIGHTS).reduce((a, b) => a + b, 0);
  const rate = (name) => (rps * WEIGHTS[name]) / sum;
  const perMinute = (name, limit) => Math.ceil((rate(name) * 60) / (headroom * limit));
  const incidentsRate = rate("GET /api/v1/incidents") + rate("POST /api/v1/incidents") + rate("POST /api/v1/logs");
  const incidentsHour = Math.ceil((incidentsRate * Math.min(totalSeconds + 120, 3600)) / (headroom * 5000));
  const claimsPerMachine = rate("POST /api/av/claim") / machines;
  const expectedRecords = rate("POST /api/v1/logs") * totalSeconds * logBatch;
  return {
    apiKeys: Math.max(2, perMinute("GET /api/events/history", 60), perMinute("GET /api/mesh/nodes", 120), incidentsHour),
    threatReaders: Math.max(2, perMinute("GET /api/av/threats", 120)),
    machines,
    claimKeysPerMachine: Math.max(1, Math.ceil((claimsPerMachine * 60) / (headroom * 600))),
    // A backtest counts at most 10,000 records: parts of at most 8,000 expected (plus a margin).
    logParts: Math.max(1, Math.ceil((expectedRecords * 1.1) / 8000)),
    rates: Object.fromEntries(Object.keys(WEIGHTS).map((n) => [n, +rate(n).toFixed(2)])),
  };
}

/** What the writes stored, as the API answered them. */
export function newLedger(machines) {
  return {
    incidents: new Set(),
    claims: Object.fromEntries(machines.map((m) => [m.slug, 0])),
    claimsFired: 0,
    claimBlockers: {},
    logRequests: 0,
    logRecords: 0,
  };
}

const ok = (body) => body?.success === true;

/**
 * `[{name, method, build(i) → {path, headers, body}, expect, check(body, i) → true | reason}]`.
 * `s` is the seeded tenant (seed.mjs), `ledger` collects the accepted writes.
 */
export function buildEndpoints({ s, runId, plan, logBatch, ledger }) {
  const keyAt = (i) => s.keys[i % s.keys.length];
  const readers = Array.from({ length: plan.threatReaders }, () => ({ "CF-Connecting-IP": uniqueIp() }));
  const incidentType = `soak-${runId}`;
  const sorts = ["created_at", "severity", "updated_at"];
  const list = [
    {
      name: "GET /api/v1/incidents",
      build: (i) => ({ path: `/api/v1/incidents?per_page=20&sort=${sorts[i % 3]}`, headers: keyAt(i) }),
      expect: 200,
      check: (b) => (ok(b) && Array.isArray(b.data.incidents) && b.data.pagination ? true : "no incidents list"),
    },
    {
      name: "GET /api/events/history",
      build: (i) => ({ path: "/api/events/history?limit=50", headers: keyAt(i) }),
      expect: 200,
      check: (b) => (Array.isArray(b?.events) ? true : "no events array"),
    },
    {
      name: "GET /api/mesh/nodes",
      build: (i) => ({ path: "/api/mesh/nodes", headers: keyAt(i) }),
      expect: 200,
      check: (b) => (b?.nodes?.length === s.mesh.nodes ? true : `expected ${s.mesh.nodes} nodes, got ${b?.nodes?.length}`),
    },
    {
      name: "GET /v3/consensus/status",
      build: async () => ({ path: "/v3/consensus/status", headers: { Authorization: `Bearer ${await s.oauth.token()}` } }),
      expect: 200,
      check: (b) => (typeof b?.status === "string" ? true : "no status"),
    },
    {
      name: "GET /api/av/threats",
      build: (i) => ({
        path: `/api/av/threats?slug=${s.machines[i % s.machines.length].slug}&window=2m`,
        headers: readers[i % readers.length],
      }),
      expect: 200,
      check: (b) => (b?.ok === true && Array.isArray(b.threats) ? true : "no threats array"),
    },
    {
      name: "POST /api/v1/incidents",
      build: (i) => ({
        path: "/api/v1/incidents",
        headers: keyAt(i),
        body: {
          type: incidentType,
          severity: SEVERITIES[i % 4],
          description: `soak ${runId} incident ${i}`,
          affected_resources: [`soak-host-${i % 50}`],
          metadata: { soak_seq: i },
          dedup_key: `soak:${runId}:${i}`,
        },
      }),
      expect: 201,
      check: (b) => {
        if (!ok(b) || b.data.deduplicated !== false || !b.data.incident?.id) return "not a new incident";
        ledger.incidents.add(b.data.incident.id);
        return true;
      },
    },
    {
      name: "POST /api/av/claim",
      build: (i) => {
        // Machine by request, key by the machine's own count: each key gets an even share.
        const m = s.machines[i % s.machines.length];
        const j = Math.floor(i / s.machines.length);
        return {
          path: "/api/av/claim",
          headers: m.claimKeys[j % m.claimKeys.length],
          slug: m.slug,
          body: {
            claim_type: "process_spawn",
            // A distinct observation each time (distinct fingerprint); about one in six fires.
            claim_payload: { exec_path: `/tmp/.soak/${runId}/${i}`, instances_in_30_pulses: (i * 37) % 101, max_instances: 100 },
            device_id: m.deviceId,
            captured_at_zeqond: zeqondNow(),
          },
        };
      },
      expect: 201,
      check: (b, req) => {
        if (b?.ok !== true || !b.audit_row_id) return "no audit row";
        const unexpected = b.blockers.filter((x) => x !== "composite_below_theta");
        for (const x of b.blockers) ledger.claimBlockers[x] = (ledger.claimBlockers[x] ?? 0) + 1;
        ledger.claims[req.slug]++;
        if (b.fired) ledger.claimsFired++;
        return unexpected.length ? `unexpected blockers ${unexpected.join(",")}` : true;
      },
    },
    {
      name: "POST /api/v1/logs",
      build: (i) => ({
        path: "/api/v1/logs",
        headers: keyAt(i),
        body: Array.from({ length: logBatch }, (_, j) => ({
          soak_run: runId,
          soak_part: i % plan.logParts,
          soak_seq: i,
          idx: j,
          level: ["INFO", "WARN", "ERROR"][(i + j) % 3],
          message: (i + j) % 7 === 0 ? "Failed password for root" : `GET /items/${j} 200`,
          src_ip: `192.0.2.${(i + j) % 4}`,
        })),
      }),
      expect: 202,
      check: (b, req) => {
        if (!ok(b) || b.data.accepted !== req.body.length) return `accepted ${b?.data?.accepted} of ${req.body.length}`;
        ledger.logRequests++;
        ledger.logRecords += b.data.accepted;
        return true;
      },
    },
  ];
  return list.map((e) => ({ ...e, weight: WEIGHTS[e.name], next: 0 }));
}
