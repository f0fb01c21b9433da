import { createRoute, z } from "@hono/zod-openapi";
import { principalOf } from "../platform/auth/authenticate";
import { requireScope } from "../platform/auth/principal";
import { database } from "../platform/db";
import { incidentsSuccess } from "../platform/envelopes";
import { ApiError } from "../platform/errors";
import { errorResponses, incidentsSuccessSchema, json } from "../platform/openapi";
import { createRouter } from "../platform/router";
import { enforceBlocklist } from "../platform/blocklist";
import { incidentsGuard, incidentsSecurity as security } from "./auth-routes";
import { ingestLogs, MAX_LOG_RECORDS, parseLogRecords } from "./logs";
import { PaginationSchema } from "./schemas";
import * as S from "./rule-schemas";
import { createRule, deleteRule, findRule, listRules, ruleView, updateRule } from "./rules/store";
import { parseSigma } from "./rules/sigma";
import { backtest, backtestSpan, testSamples } from "./rules/test-rule";

const MAX_SIGMA_CHARS = 20_000;

const tags = ["Incident response: rules and logs"];
const one = json(incidentsSuccessSchema(z.object({ rule: S.RuleSchema })));
const common = { tags, security, middleware: incidentsGuard() };

const routes = {
  list: createRoute({
    ...common,
    method: "get",
    path: "/api/v1/rules",
    operationId: "rulesList",
    summary: "Detection rules",
    request: { query: S.RuleListQuery },
    responses: {
      200: {
        description: "A page of rules",
        ...json(incidentsSuccessSchema(z.object({ rules: z.array(S.RuleSchema), pagination: PaginationSchema }))),
      },
      ...errorResponses("incidents", 400, 401, 403, 429),
    },
  }),
  get: createRoute({
    ...common,
    method: "get",
    path: "/api/v1/rules/{rule_id}",
    operationId: "rulesGet",
    summary: "One rule",
    request: { params: S.ruleParam },
    responses: { 200: { description: "The rule", ...one }, ...errorResponses("incidents", 400, 401, 403, 404, 429) },
  }),
  create: createRoute({
    ...common,
    method: "post",
    path: "/api/v1/rules",
    operationId: "rulesCreate",
    summary: "Create a rule; its query is parsed and checked against the safe subset (400 names what is refused)",
    request: { body: { required: true, ...json(S.RuleInputSchema) } },
    responses: { 201: { description: "Created", ...one }, ...errorResponses("incidents", 400, 401, 403, 413, 415, 429) },
  }),
  update: createRoute({
    ...common,
    method: "put",
    path: "/api/v1/rules/{rule_id}",
    operationId: "rulesUpdate",
    summary: "Change a rule",
    request: { params: S.ruleParam, body: { required: true, ...json(S.RuleUpdateSchema) } },
    responses: { 200: { description: "The rule", ...one }, ...errorResponses("incidents", 400, 401, 403, 404, 413, 415, 429) },
  }),
  remove: createRoute({
    ...common,
    method: "delete",
    path: "/api/v1/rules/{rule_id}",
    operationId: "rulesDelete",
    summary: "Delete a rule",
    request: { params: S.ruleParam },
    responses: {
      200: { description: "Deleted", ...json(incidentsSuccessSchema(z.object({ id: z.string(), deleted: z.literal(true) }))) },
      ...errorResponses("incidents", 400, 401, 403, 404, 429),
    },
  }),
  test: createRoute({
    ...common,
    method: "post",
    path: "/api/v1/rules/{rule_id}/test",
    operationId: "rulesTest",
    summary:
      "Run the rule over sample logs (which conditions matched, would thresholds fire), or with ?backtest=24h over stored logs",
    request: {
      params: S.ruleParam,
      query: z.object({ backtest: z.string().max(10).optional().openapi({ example: "24h" }) }),
      body: { required: false, ...json(S.TestRuleSchema) },
    },
    responses: {
      200: { description: "Test results", ...json(incidentsSuccessSchema(S.TestResultSchema)) },
      ...errorResponses("incidents", 400, 401, 403, 404, 413, 415, 429),
    },
  }),
  sigma: createRoute({
    ...common,
    method: "post",
    path: "/api/v1/rules/import/sigma",
    operationId: "rulesImportSigma",
    summary: "Import a Sigma rule (YAML); unsupported parts are a 400 naming them",
    request: {
      query: z.object({ enabled: z.enum(["true", "false"]).default("true") }),
      body: { required: true, content: { "application/yaml": { schema: { type: "string" } } } },
    },
    responses: { 201: { description: "Imported", ...one }, ...errorResponses("incidents", 400, 401, 403, 413, 415, 429) },
  }),
  logs: createRoute({
    ...common,
    middleware: [...incidentsGuard(), enforceBlocklist()],
    method: "post",
    path: "/api/v1/logs",
    operationId: "logsIngest",
    summary: `Ingest up to ${MAX_LOG_RECORDS} log records (a JSON array, or NDJSON), at most 1 MiB; enabled rules evaluate them through the queue`,
    request: {
      body: {
        required: true,
        content: {
          // Plain schemas: the handler reads and checks the body itself, for both media types.
          "application/json": { schema: { type: "array", items: { type: "object" }, minItems: 1, maxItems: MAX_LOG_RECORDS } },
          "application/x-ndjson": { schema: { type: "string", description: "One JSON object a line" } },
        },
      },
    },
    responses: {
      202: {
        description: "Stored; rule evaluation is queued",
        ...json(incidentsSuccessSchema(z.object({ accepted: z.number().int(), received_at: z.string() }))),
      },
      ...errorResponses("incidents", 400, 401, 403, 413, 415, 429),
    },
  }),
};

export function ruleRoutes() {
  return createRouter()
    .openapi(routes.list, async (c) => {
      const p = principalOf(c);
      requireScope(p, "read");
      const page = await listRules(database(c.env.DB), p.tenantId, c.req.valid("query"));
      return incidentsSuccess(c, { rules: page.rows.map(ruleView), pagination: page.pagination }, 200);
    })
    .openapi(routes.get, async (c) => {
      const p = principalOf(c);
      requireScope(p, "read");
      return incidentsSuccess(
        c,
        { rule: ruleView(await findRule(database(c.env.DB), p.tenantId, c.req.valid("param").rule_id)) },
        200,
      );
    })
    .openapi(routes.create, async (c) => {
      const p = principalOf(c);
      requireScope(p, "write");
      return incidentsSuccess(c, { rule: ruleView(await createRule(database(c.env.DB), p.tenantId, c.req.valid("json"))) }, 201);
    })
    .openapi(routes.update, async (c) => {
      const p = principalOf(c);
      requireScope(p, "write");
      const db = database(c.env.DB);
      const before = await findRule(db, p.tenantId, c.req.valid("param").rule_id);
      return incidentsSuccess(c, { rule: ruleView(await updateRule(db, before, c.req.valid("json"))) }, 200);
    })
    .openapi(routes.remove, async (c) => {
      const p = principalOf(c);
      requireScope(p, "write");
      const id = c.req.valid("param").rule_id;
      await deleteRule(database(c.env.DB), p.tenantId, id);
      return incidentsSuccess(c, { id, deleted: true as const }, 200);
    })
    .openapi(routes.test, async (c) => {
      const p = principalOf(c);
      requireScope(p, "read");
      const db = database(c.env.DB);
      const rule = await findRule(db, p.tenantId, c.req.valid("param").rule_id);
      const { backtest: span } = c.req.valid("query");
      if (span) return incidentsSuccess(c, { rule_id: rule.id, backtest: await backtest(db, rule, backtestSpan(span)) }, 200);
      const body = c.req.valid("json");
      if (!body?.sample_data)
        throw new ApiError("invalid_request", "Send sample_data.logs, or use ?backtest=24h", { field: "sample_data" });
      return incidentsSuccess(c, { rule_id: rule.id, ...testSamples(rule, body.sample_data.logs) }, 200);
    })
    .openapi(routes.sigma, async (c) => {
      const p = principalOf(c);
      requireScope(p, "write");
      const type = (c.req.header("Content-Type") ?? "").split(";")[0]!.trim().toLowerCase();
      if (!["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"].includes(type))
        throw new ApiError("unsupported_media_type", "Send the Sigma rule as application/yaml");
      const text = await c.req.text();
      if (text.length > MAX_SIGMA_CHARS)
        throw new ApiError("invalid_request", `A Sigma rule may be at most ${MAX_SIGMA_CHARS} characters`);
      const sigma = parseSigma(text);
      const input = {
        name: sigma.title,
        description: sigma.description,
        type: "detection" as const,
        severity: sigma.severity,
        enabled: c.req.valid("query").enabled === "true",
        conditions: { query: text, ...(sigma.timeWindow ? { time_window: sigma.timeWindow } : {}) },
        actions: {},
      };
      return incidentsSuccess(
        c,
        { rule: ruleView(await createRule(database(c.env.DB), p.tenantId, input, "sigma", sigma.condition)) },
        201,
      );
    })
    .openapi(routes.logs, async (c) => {
      const p = principalOf(c);
      requireScope(p, "write");
      const type = (c.req.header("Content-Type") ?? "").split(";")[0]!.trim().toLowerCase();
      if (type !== "application/json" && type !== "application/x-ndjson")
        throw new ApiError("unsupported_media_type", "Send application/json (an array) or application/x-ndjson");
      const records = parseLogRecords(await c.req.text(), type === "application/json" ? "array" : "ndjson");
      return incidentsSuccess(c, await ingestLogs(c.env, database(c.env.DB), p.tenantId, records), 202);
    });
}
