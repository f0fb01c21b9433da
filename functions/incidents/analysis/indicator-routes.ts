import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { principalOf } from "../../platform/auth/authenticate";
import { requireScope } from "../../platform/auth/principal";
import { database } from "../../platform/db";
import { incidentsSuccess } from "../../platform/envelopes";
import { ApiError } from "../../platform/errors";
import { errorResponses, incidentsSuccessSchema, json } from "../../platform/openapi";
import { createRouter } from "../../platform/router";
import type { AppEnv } from "../../platform/types";
import { incidentsGuard, incidentsSecurity as security } from "../auth-routes";
import { PaginationSchema } from "../schemas";
import { deleteIndicator, indicatorView, listIndicators, upsertIndicators } from "./indicator-store";
import { CSV_COLUMNS, parseIndicatorCsv } from "./indicators-csv";
import { MAX_INDICATORS } from "./indicators";
import { parseStixBundle } from "./indicators-stix";
import * as S from "./schemas";

const common = { tags: ["Incident response: threat intelligence"], security, middleware: incidentsGuard() };
const PATH = "/api/v1/threat-intel/indicators";

const routes = {
  import: createRoute({
    ...common,
    method: "post",
    path: PATH,
    operationId: "threatIntelImport",
    summary: `Import up to ${MAX_INDICATORS} indicators (addresses, networks, domains) as CSV or a STIX 2.1 bundle; known ones are merged`,
    request: {
      body: {
        required: true,
        content: {
          // Plain schemas: the handler reads and checks the body itself, for every media type.
          "text/csv": { schema: { type: "string", description: `Header line naming columns among ${CSV_COLUMNS.join(", ")}` } },
          "application/stix+json": { schema: { type: "object", description: "A STIX 2.1 bundle of indicator objects" } },
          "application/json": { schema: { type: "object", description: "A STIX 2.1 bundle (as application/stix+json)" } },
        },
      },
    },
    responses: {
      200: { description: "Imported", ...json(incidentsSuccessSchema(S.ImportResultSchema)) },
      ...errorResponses("incidents", 400, 401, 403, 413, 415, 429),
    },
  }),
  list: createRoute({
    ...common,
    method: "get",
    path: PATH,
    operationId: "threatIntelList",
    summary: "The tenant's threat indicators, by kind and value",
    request: { query: S.IndicatorListQuery },
    responses: {
      200: {
        description: "A page of indicators",
        ...json(incidentsSuccessSchema(z.object({ indicators: z.array(S.IndicatorSchema), pagination: PaginationSchema }))),
      },
      ...errorResponses("incidents", 400, 401, 403, 429),
    },
  }),
  remove: createRoute({
    ...common,
    method: "delete",
    path: PATH,
    operationId: "threatIntelDelete",
    summary: "Delete one indicator, named by kind and value",
    request: { query: S.IndicatorKeyQuery },
    responses: {
      200: {
        description: "Deleted",
        ...json(incidentsSuccessSchema(z.object({ kind: z.string(), value: z.string(), deleted: z.literal(true) }))),
      },
      ...errorResponses("incidents", 400, 401, 403, 404, 429),
    },
  }),
};

const mediaType = (c: Context<AppEnv>) => (c.req.header("Content-Type") ?? "").split(";")[0]!.trim().toLowerCase();

/** The body as indicators, by its media type; malformed input is a 400 that names the line or indicator. */
async function readIndicators(c: Context<AppEnv>) {
  const type = mediaType(c);
  if (type === "text/csv") return { source: "csv", input: parseIndicatorCsv(await c.req.text()) };
  if (type !== "application/json" && type !== "application/stix+json")
    throw new ApiError(
      "unsupported_media_type",
      "Send text/csv, or a STIX 2.1 bundle as application/stix+json or application/json",
      {
        content_type: type || null,
      },
    );
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    throw new ApiError("malformed_json", "The body is not valid JSON");
  }
  return { source: "stix", input: parseStixBundle(body) };
}

export function indicatorRoutes() {
  return createRouter()
    .openapi(routes.import, async (c) => {
      const p = principalOf(c);
      requireScope(p, "write");
      const { source, input } = await readIndicators(c);
      return incidentsSuccess(c, await upsertIndicators(database(c.env.DB), p.tenantId, input, source), 200);
    })
    .openapi(routes.list, async (c) => {
      const p = principalOf(c);
      requireScope(p, "read");
      const page = await listIndicators(database(c.env.DB), p.tenantId, c.req.valid("query"));
      return incidentsSuccess(c, { indicators: page.rows.map(indicatorView), pagination: page.pagination }, 200);
    })
    .openapi(routes.remove, async (c) => {
      const p = principalOf(c);
      requireScope(p, "write");
      const { kind, value } = c.req.valid("query");
      const deleted = await deleteIndicator(database(c.env.DB), p.tenantId, kind, value);
      return incidentsSuccess(c, { ...deleted, deleted: true as const }, 200);
    });
}
