import { createRoute, z } from "@hono/zod-openapi";
import { principalOf } from "../platform/auth/authenticate";
import { database } from "../platform/db";
import { errorResponses, json } from "../platform/openapi";
import { createRouter } from "../platform/router";
import { requireQuantumScope } from "./detection/access";
import { analyzeExposure } from "./detection/analyze";
import { ATTACK_MODELS } from "./detection/assess";
import {
  AnalyzeBody,
  AnalyzeResponse,
  HealthResponse,
  MetricsQuery,
  MetricsResponse,
  StreamQuery,
  ThreatLevelResponse,
} from "./detection/schemas";
import { openQuantumStream } from "./detection/stream";
import { quantumHealth, tenantApiMetrics } from "./detection/system-health";
import { threatLevel } from "./detection/threat-level";
import { quantumGuard, quantumSecurity } from "./guard";

const tags = ["Quantum defense: detection"];
const securityFor = quantumSecurity;

const analyzeRoute = createRoute({
  method: "post",
  path: "/v3/quantum/detection/analyze",
  operationId: "quantumDetectionAnalyze",
  summary: "Analyse the quantum exposure of real cryptographic material and record it in the tenant's crypto inventory",
  description:
    "This analyses the exposure of material you send (certificates, keys, JOSE headers, SSH keys, TLS lists); it does " +
    "not detect a quantum attack in data, which no analysis of bytes can. Per asset: algorithm, key size or curve, " +
    "classical security bits, Shor (RSA, DH, ECDSA/ECDH and EdDSA broken at any size), Grover (symmetric keys and hash " +
    "preimages halved), whether annealing-based factoring claims apply (RSA only; not practical at real sizes), " +
    "harvest-now-decrypt-later exposure, a verdict, NIST IR 8547 dates and a replacement (ML-KEM-768, ML-DSA-65, " +
    "SLH-DSA, AES-256, SHA-384). Formats are tried in a fixed order (PEM, DER, JWK/JWKS, JWT, OpenSSH, TLS list); " +
    "unreadable input is a 400 listing each. When `shor` is asked about and a quantum-vulnerable asset guards a " +
    "long-lived secret (a bare key, a certificate valid past 2030, key establishment), one quantum.attack.detected " +
    "alert summarises them at the severity `sensitivity` maps to. Needs quantum:write (it writes the inventory).",
  tags,
  security: securityFor("quantum:write"),
  middleware: quantumGuard(),
  request: { body: { required: true, content: { "application/json": { schema: AnalyzeBody } } } },
  responses: {
    200: { description: "The assessment of every asset found", ...json(AnalyzeResponse) },
    ...errorResponses("quantum", 400, 401, 403, 413, 415, 429),
  },
});

const threatRoute = createRoute({
  method: "get",
  path: "/v3/quantum/threat/level",
  operationId: "quantumThreatLevel",
  summary: "The tenant's quantum threat level, computed now from its crypto inventory and last 24 h of quantum events",
  description:
    "Score 0-100 with every point explained: the share of Shor-breakable assets (30), vulnerable assets guarding " +
    "long-lived secrets (4 each, 20), harvest-now-decrypt-later key establishment (5 each, 15), classically weak " +
    "assets (5 each, 10), canary triggers (20 + 2 per further, 30) and exposure alerts (by severity, 10). Levels: " +
    "low < 25 ≤ elevated < 50 ≤ high < 75 ≤ critical. Needs quantum:read.",
  tags,
  security: securityFor("quantum:read"),
  middleware: quantumGuard(),
  responses: {
    200: { description: "The threat level and its reasons", ...json(ThreatLevelResponse) },
    ...errorResponses("quantum", 401, 403, 429),
  },
});

const streamRoute = createRoute({
  method: "get",
  path: "/v3/quantum/events/stream",
  operationId: "quantumEventStream",
  summary: "Live quantum.* and fragmentation.* events of the tenant over a WebSocket (or server-sent events)",
  description:
    "Authenticate with `Authorization: Bearer <access token>` on the upgrade request. Each message is " +
    "`{kind: 'event', type, source, event: {id, timestamp, severity, description, …}}`. Concurrent streams count " +
    "against the client tier's limit. Needs quantum:read.",
  tags,
  security: securityFor("quantum:read"),
  middleware: quantumGuard(),
  request: { query: StreamQuery },
  responses: {
    101: { description: "Switching to the WebSocket protocol" },
    200: {
      description: "Server-sent events (Accept: text/event-stream; Last-Event-ID resumes)",
      content: { "text/event-stream": { schema: z.string() } },
    },
    ...errorResponses("quantum", 400, 401, 403, 429),
  },
});

const metricsRoute = createRoute({
  method: "get",
  path: "/v3/metrics/api",
  operationId: "quantumApiMetrics",
  summary: "API usage of the caller's tenant over a period: request rate, error shares, mean latency",
  description:
    "From the per-tenant, per-minute request counters the platform keeps (the same ones /api/v1/system/metrics reads), " +
    "over the minutes the period touches. Counters are written about every 10 s, so the last seconds may be missing. " +
    "Needs quantum:read.",
  tags: ["Quantum defense: monitoring"],
  security: securityFor("quantum:read"),
  middleware: quantumGuard(),
  request: { query: MetricsQuery },
  responses: {
    200: { description: "The tenant's API figures", ...json(MetricsResponse) },
    ...errorResponses("quantum", 400, 401, 403, 429),
  },
});

const healthRoute = createRoute({
  method: "get",
  path: "/v3/health",
  operationId: "quantumHealth",
  summary: "Service health (public): service-wide counts only, no tenant's data",
  description:
    "quantum_detection: D1 answers (latency_ms is that query's round trip) and active_canaries counts unexpired " +
    "active canary tokens across all tenants. byzantine_consensus: agents online (ACTIVE, IDLE or BUSY) " +
    "across all tenants, and byzantine_tolerance 0.33, the bound on the share of faulty voters (f = ⌊(n−1)/3⌋). " +
    "temporal_fragmentation: fragments of active unexpired sets, and expiration_rate = fragments whose sets expired " +
    "in the last hour. api_gateway: every tenant's requests per second and 5xx share over the last 5-6 minutes " +
    "(degraded above 5%). uptime_seconds is the time since the oldest request counter kept (31-day retention): how " +
    "long the service has been serving on record, not time since the last outage. version is the API contract's. " +
    "Answers are cached for 10 s.",
  tags: ["Quantum defense: monitoring"],
  security: [],
  responses: {
    200: { description: "Health of each component", ...json(HealthResponse) },
    ...errorResponses("quantum", 403),
  },
});

export function detectionRoutes() {
  return createRouter()
    .openapi(analyzeRoute, async (c) => {
      const p = principalOf(c);
      requireQuantumScope(p, "quantum:write");
      const body = c.req.valid("json");
      const request = {
        data: body.data,
        detection_mode: body.detection_mode ?? body["detection mode"] ?? "comprehensive",
        algorithms: body.algorithms ? [...new Set(body.algorithms)] : [...ATTACK_MODELS],
        sensitivity: body.sensitivity ?? "medium",
      };
      const deps = { env: c.env, db: database(c.env.DB), log: c.get("log"), tenantId: p.tenantId, requestId: c.get("requestId") };
      return c.json(await analyzeExposure(deps, request), 200);
    })
    .openapi(threatRoute, async (c) => {
      const p = principalOf(c);
      requireQuantumScope(p, "quantum:read");
      return c.json(await threatLevel(database(c.env.DB), p.tenantId), 200);
    })
    .openapi(streamRoute, async (c) => (await openQuantumStream(c, c.req.valid("query"))) as never)
    .openapi(metricsRoute, async (c) => {
      const p = principalOf(c);
      requireQuantumScope(p, "quantum:read");
      return c.json(await tenantApiMetrics(database(c.env.DB), p.tenantId, c.req.valid("query").period), 200);
    })
    .openapi(healthRoute, async (c) => c.json(await quantumHealth(c.env, c.get("log")), 200));
}
