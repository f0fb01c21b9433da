import { createRoute, z } from "@hono/zod-openapi";
import { INCIDENT_SEVERITIES, INCIDENT_STATUSES } from "../../schema";
import { principalOf } from "../platform/auth/authenticate";
import { requireScope } from "../platform/auth/principal";
import { database } from "../platform/db";
import { incidentsSuccess } from "../platform/envelopes";
import { errorResponses, incidentsSuccessSchema, json } from "../platform/openapi";
import { createRouter } from "../platform/router";
import { incidentsGuard, incidentsSecurity as security } from "./auth-routes";
import { AGENTS, checkHealth, SERVICES } from "./system/health";
import { METRIC_GROUPS, PERIODS, systemMetrics, type Period } from "./system/metrics";

const tags = ["Incident response: system"];

const byKey = <K extends string, T extends z.ZodType>(keys: readonly K[], value: T) =>
  z.object(Object.fromEntries(keys.map((k) => [k, value])) as Record<K, T>);

const Health = z
  .object({
    status: z.enum(["healthy", "degraded", "unhealthy"]),
    agents: byKey(AGENTS, z.enum(["active", "degraded"])),
    services: byKey(SERVICES, z.enum(["connected", "disconnected"])),
    checks: byKey(SERVICES, z.object({ ok: z.boolean(), ms: z.number() })),
    timestamp: z.string(),
  })
  .openapi("SystemHealth");

const healthRoute = createRoute({
  method: "get",
  path: "/api/v1/system/health",
  operationId: "incidentsSystemHealth",
  summary: "Health of the response pipeline's dependencies, checked now",
  description:
    "Each dependency is exercised for real, in parallel, within 2 s: D1 (a query), the Durable Objects (a tenant " +
    "hub write and a machine-state read), the EVENTS and WEBHOOKS queue producers (a probe message each), and the " +
    "rate-limit backend (Upstash PING when configured, else a limiter object's decision). " +
    "Agents map to what they run on: detection and analysis = D1 + events queue; remediation = D1 + Durable Objects; " +
    "communication = D1 + webhooks queue; orchestrator = Durable Objects + rate limiter. " +
    "`status` is `unhealthy` when D1 fails, `degraded` when anything else fails, else `healthy`. This endpoint " +
    "reports and always answers 200 when it can answer; use /readyz as a readiness probe. Why a check failed is " +
    "logged, not returned.",
  tags,
  security,
  middleware: incidentsGuard(),
  responses: {
    200: { description: "Health of each dependency", ...json(incidentsSuccessSchema(Health)) },
    ...errorResponses("incidents", 401, 403, 429),
  },
});

/** A query parameter that may repeat (`?metrics=api&metrics=incidents`) or list values with commas. */
const MetricsParam = z
  .preprocess(
    (v) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((s) => String(s).split(",")).filter(Boolean)),
    z.array(z.enum(METRIC_GROUPS)).max(METRIC_GROUPS.length * 2),
  )
  .optional()
  .openapi({
    type: "array",
    items: { type: "string", enum: [...METRIC_GROUPS] },
    description: "Which groups to return (repeat or comma-separate); all when absent",
  });

const MetricsQuery = z.object({
  period: z
    .enum(Object.keys(PERIODS) as [Period, ...Period[]])
    .default("24h")
    .openapi({ description: "The window ending now" }),
  metrics: MetricsParam,
});

const minutes = z.number().nullable();
const Metrics = z
  .object({
    metrics: z.object({
      incidents: z
        .object({
          total: z.number().int(),
          by_severity: byKey(INCIDENT_SEVERITIES, z.number().int()),
          by_status: byKey(INCIDENT_STATUSES, z.number().int()),
        })
        .optional()
        .openapi({ description: "The tenant's incidents opened in the period" }),
      performance: z
        .object({
          avg_detection_time: minutes.openapi({
            description: "Minutes from the first matching log (metadata.first_match_at, or metadata.detected_at) to the incident",
          }),
          avg_analysis_time: minutes.openapi({ description: "Minutes from the incident to its first 'Analysis completed'" }),
          avg_remediation_time: minutes.openapi({ description: "Minutes from the incident to its first 'Remediation executed'" }),
        })
        .optional()
        .openapi({
          description: "Mean minutes over the period's incidents that have the measurement; null when none has",
        }),
      api: z
        .object({
          requests_per_minute: z.number().openapi({ description: "The tenant's API requests in the period, per minute" }),
          error_rate: z.number().openapi({ description: "Share of those requests answered 5xx" }),
          client_error_rate: z.number().openapi({ description: "Share answered 4xx" }),
          avg_response_time: z.number().openapi({ description: "Mean milliseconds to answer" }),
        })
        .optional()
        .openapi({ description: "Counted per isolate and written about every 10 s, so the last seconds may be missing" }),
    }),
    period: z.enum(Object.keys(PERIODS) as [Period, ...Period[]]),
    generated_at: z.string(),
  })
  .openapi("SystemMetrics");

const metricsRoute = createRoute({
  method: "get",
  path: "/api/v1/system/metrics",
  operationId: "incidentsSystemMetrics",
  summary: "Incident totals, response times and API figures for the caller's tenant over a period",
  description:
    "Over the caller's tenant and the period ending now: incidents opened, by severity and status; mean detection, " +
    "analysis and remediation times in minutes (null without a sample); and the tenant's API requests per minute, " +
    "5xx and 4xx shares, and mean response time in milliseconds.",
  tags,
  security,
  middleware: incidentsGuard(),
  request: { query: MetricsQuery },
  responses: {
    200: { description: "The figures asked for", ...json(incidentsSuccessSchema(Metrics)) },
    ...errorResponses("incidents", 400, 401, 403, 429),
  },
});

export function systemRoutes() {
  return createRouter()
    .openapi(healthRoute, async (c) => {
      requireScope(principalOf(c), "read");
      return incidentsSuccess(c, await checkHealth(c.env, c.get("log")), 200);
    })
    .openapi(metricsRoute, async (c) => {
      const p = principalOf(c);
      requireScope(p, "read");
      const { period, metrics } = c.req.valid("query");
      return incidentsSuccess(c, await systemMetrics(database(c.env.DB), p.tenantId, period, metrics ?? []), 200);
    });
}
