// The scenarios `npm run bench` drives, each naming the primitive it cannot avoid.
import { logBatch } from "./incidents-seed.mjs";
export const PRIMITIVES = {
  BARE: "bare Response",
  D1: "bare D1 indexed read",
  D1_PAGE: "bare D1 indexed page read (50 rows)",
  D1_INSERT: "bare D1 insert",
  DO: "bare Durable Object RPC + SQLite write",
  UPSTASH: "bare Upstash sliding-window check (REST bridge → Redis Lua)",
};
export const HEALTHZ = "GET /healthz (whole middleware stack)";

const { BARE, D1, D1_PAGE, D1_INSERT, DO, UPSTASH } = PRIMITIVES;

function identity(creds) {
  const me = (name, target, headerSets, primitive) => ({ name, target, path: "/auth/me", headerSets, primitive });
  return [
    me("GET /auth/me, API key, embedded limiter", "vigil", creds.vigil.apiKeyHeaders, DO),
    me("GET /auth/me, JWT, embedded limiter", "vigil", creds.vigil.jwtHeaders, DO),
    me("GET /auth/me, API key, Upstash limiter", "vigilUpstash", creds.vigilUpstash.apiKeyHeaders, UPSTASH),
    me("GET /auth/me, JWT, Upstash limiter", "vigilUpstash", creds.vigilUpstash.jwtHeaders, UPSTASH),
  ];
}

/**
 * Command console: `command` holds a tenant with thousands of write keys (so no key passes a
 * per-minute command limit), a seeded event history and a large mesh. Isolation consumes one
 * node per request, across runs, so every measured request isolates a node that is not isolated yet.
 */
function commandConsole(command) {
  if (!command) return [];
  let nextNode = 0;
  const window = 50;
  return [
    {
      name: "GET /api/events/history?limit=50",
      target: "vigil",
      path: "/api/events/history?limit=50",
      headerSets: command.headerSets,
      primitive: D1_PAGE,
    },
    {
      name: "POST /api/correlate, 50 events",
      target: "vigil",
      path: "/api/correlate",
      method: "POST",
      headers: { "Content-Type": "application/json" },
      headerSets: command.headerSets,
      bodyFor: () => {
        const start = Math.floor(Math.random() * (command.eventIds.length - window));
        return JSON.stringify({ eventIds: command.eventIds.slice(start, start + window) });
      },
      primitive: D1_INSERT,
    },
    {
      name: "POST /api/isolate-node",
      target: "vigil",
      path: "/api/isolate-node",
      method: "POST",
      headers: { "Content-Type": "application/json" },
      headerSets: command.headerSets,
      bodyFor: () => JSON.stringify({ nodeId: command.nodeIds[nextNode++ % command.nodeIds.length] }),
      primitive: D1_INSERT,
    },
  ];
}

const ZEQOND_HZ = 1.287;

/**
 * Agent claims: every request is a new claim (its own payload, so its own fingerprint) from the
 * key's machine's device, scored from `hf_scores`. Below θ it is recorded and chained only; a
 * fired claim also enters the event pipeline.
 */
function agentClaims(av) {
  if (!av) return [];
  const claim = (pool, fire) => ({
    target: "vigil",
    path: "/api/av/claim",
    method: "POST",
    headers: { "Content-Type": "application/json" },
    headerSets: pool.map((e) => e.headers),
    bodyFor: (i) =>
      JSON.stringify({
        claim_type: "process_spawn",
        claim_payload: { exec_path: `/usr/lib/tool-${i}-${Math.random()}`, instances_in_30_pulses: 12, max_instances: 100 },
        device_id: pool[i % pool.length].device,
        captured_at_zeqond: Math.floor((Date.now() / 1000) * ZEQOND_HZ),
        hf_scores: [
          { hf_id: "HF5", value: fire ? 0.97 : 0.4 },
          { hf_id: "HF8", value: fire ? 0.9 : 0.12 },
          { hf_id: "HF15", value: fire ? 0.93 : 0.5 },
        ],
      }),
  });
  const threats = (slug) => ({ target: "vigil", path: `/api/av/threats?slug=${slug}`, headerSets: av.readers, primitive: DO });
  return [
    { name: CLAIMS_SPREAD, ...claim(av.spread, false), primitive: DO },
    { name: "POST /api/av/claim, 16 agents, all on one machine", ...claim(av.hot, false), primitive: DO },
    { name: "POST /api/av/claim, fired (enters the pipeline), 16 machines", ...claim(av.spread, true), primitive: D1_INSERT },
    { name: THREATS_1K, ...threats(av.logs.small) },
    { name: THREATS_100K, ...threats(av.logs.large) },
  ];
}
export const CLAIMS_SPREAD = "POST /api/av/claim, 16 agents over 16 machines";
export const THREATS_1K = "GET /api/av/threats (1,000 newest), log of 1,000 claims";
export const THREATS_100K = "GET /api/av/threats (1,000 newest), log of 100,000 claims";

/** Incident response: a tenant with 100,000 incidents and 50 enabled rules, 40 read-write keys. */
function incidentResponse(inc) {
  if (!inc) return [];
  const list = (name, query, tenant = inc) => ({
    name,
    target: "vigil",
    path: `/api/v1/incidents?${query}`,
    headerSets: tenant.headerSets,
    primitive: D1_PAGE,
  });
  const ingest = (size) => ({
    name: `POST /api/v1/logs, ${size} records a request, 50 enabled rules`,
    target: "vigil",
    path: "/api/v1/logs",
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: logBatch(size),
    headerSets: inc.headerSets,
    primitive: D1_INSERT,
    recordsPerRequest: size,
    after: true,
  });
  return [
    // The same request on a tenant of 1,000 incidents: the list's scaling at the throughput level.
    ...(inc.small ? [list("GET /api/v1/incidents (newest 20 of 1,000)", "per_page=20", inc.small)] : []),
    list("GET /api/v1/incidents (newest 20 of 100,000)", "per_page=20"),
    list("GET /api/v1/incidents?status=OPEN&sort=severity (20 of 100,000)", "status=OPEN&sort=severity&per_page=20"),
    // A date filter cannot use the kept totals: its total is counted (about 10,000 of the 100,000).
    list(
      "GET /api/v1/incidents?created_after=<7 days ago> (20 of ~10,000 counted)",
      `created_after=${new Date(Date.now() - 7 * 86_400_000).toISOString()}&per_page=20`,
    ),
    ingest(100),
    ingest(1000),
  ];
}

export function buildScenarios({ creds, command, av, inc }) {
  return [
    { name: BARE, target: "baseline", path: "/bare", primitive: null },
    { name: D1, target: "baseline", path: "/d1-read", primitive: null },
    { name: D1_PAGE, target: "baseline", path: "/d1-page", primitive: null },
    { name: D1_INSERT, target: "baseline", path: "/d1-insert", primitive: null },
    { name: DO, target: "baseline", path: "/do-write", primitive: null },
    { name: UPSTASH, target: "baseline", path: "/upstash", primitive: null },
    { name: HEALTHZ, target: "vigil", path: "/healthz", primitive: BARE },
    {
      name: "GET /healthz behind the local assets router",
      target: "vigilWithAssets",
      path: "/healthz",
      primitive: BARE,
      excluded: "the local assets router's two extra Worker hops (Miniflare's emulation, not Vigil's stack)",
    },
    ...identity(creds),
    ...commandConsole(command),
    ...agentClaims(av),
    ...incidentResponse(inc),
  ];
}
