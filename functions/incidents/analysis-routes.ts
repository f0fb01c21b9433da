import { createRoute, z } from "@hono/zod-openapi";
import { principalOf } from "../platform/auth/authenticate";
import { requireScope } from "../platform/auth/principal";
import { database } from "../platform/db";
import { incidentsSuccess } from "../platform/envelopes";
import { errorResponses, incidentsSuccessSchema, json } from "../platform/openapi";
import { createRouter } from "../platform/router";
import { indicatorRoutes } from "./analysis/indicator-routes";
import * as S from "./analysis/schemas";
import { findAnalysis, startAnalysis } from "./analysis/start";
import { incidentsGuard, incidentsSecurity as security } from "./auth-routes";

const common = { tags: ["Incident response: analysis"], security, middleware: incidentsGuard() };

const routes = {
  analyze: createRoute({
    ...common,
    method: "post",
    path: "/api/v1/analysis/analyze",
    operationId: "analysisStart",
    summary:
      "Analyse an incident: MITRE ATT&CK techniques, root cause, confidence, impact, recommended remediations and threat intelligence (queued)",
    request: { body: { required: true, ...json(S.AnalyzeRequestSchema) } },
    responses: {
      202: {
        description: "Queued; poll GET /api/v1/analysis/{analysis_id}",
        ...json(incidentsSuccessSchema(S.AnalyzeAcceptedSchema)),
      },
      ...errorResponses("incidents", 400, 401, 403, 404, 413, 415, 429),
    },
  }),
  get: createRoute({
    ...common,
    method: "get",
    path: "/api/v1/analysis/{analysis_id}",
    operationId: "analysisGet",
    summary: "An analysis and, once completed, its results",
    request: { params: S.analysisParam },
    responses: {
      200: { description: "The analysis", ...json(incidentsSuccessSchema(z.object({ analysis: S.AnalysisSchema }))) },
      ...errorResponses("incidents", 400, 401, 403, 404, 429),
    },
  }),
};

export function analysisRoutes() {
  return createRouter()
    .openapi(routes.analyze, async (c) =>
      incidentsSuccess(c, await startAnalysis(c.env, database(c.env.DB), principalOf(c), c.req.valid("json")), 202),
    )
    .openapi(routes.get, async (c) => {
      const p = principalOf(c);
      requireScope(p, "read");
      const analysis = await findAnalysis(database(c.env.DB), p.tenantId, c.req.valid("param").analysis_id);
      return incidentsSuccess(c, { analysis }, 200);
    })
    .route("/", indicatorRoutes());
}
