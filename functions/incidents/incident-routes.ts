import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { principalOf } from "../platform/auth/authenticate";
import { requireScope } from "../platform/auth/principal";
import { database } from "../platform/db";
import { incidentsSuccess } from "../platform/envelopes";
import { errorResponses, incidentsSuccessSchema, json } from "../platform/openapi";
import { createRouter } from "../platform/router";
import { enforceBlocklist } from "../platform/blocklist";
import type { AppEnv } from "../platform/types";
import { incidentsGuard, incidentsSecurity as security } from "./auth-routes";
import { createIncident, incidentDetail, incidentView, updateIncident, type Deps } from "./incidents";
import { listIncidents } from "./list";
import * as S from "./schemas";
import { findIncident, type Change } from "./store";

const tags = ["Incident response: incidents"];
const detail = { ...json(incidentsSuccessSchema(z.object({ incident: S.IncidentDetailSchema }))) };
const body = <T extends z.ZodType>(schema: T) => ({ body: { required: true, ...json(schema) } });
const deps = (c: Context<AppEnv>): Deps => ({ env: c.env, db: database(c.env.DB), log: c.get("log") });

const listRoute = createRoute({
  method: "get",
  path: "/api/v1/incidents",
  operationId: "incidentsList",
  summary: "Incidents, filtered, sorted and paginated",
  tags,
  security,
  middleware: incidentsGuard(),
  request: { query: S.ListQuerySchema },
  responses: {
    200: {
      description: "A page of incidents",
      ...json(incidentsSuccessSchema(z.object({ incidents: z.array(S.IncidentSchema), pagination: S.PaginationSchema }))),
    },
    ...errorResponses("incidents", 400, 401, 403, 429),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/api/v1/incidents/{incident_id}",
  operationId: "incidentsGet",
  summary: "One incident with its timeline, analysis and metadata",
  tags,
  security,
  middleware: incidentsGuard(),
  request: { params: S.incidentParam },
  responses: { 200: { description: "The incident", ...detail }, ...errorResponses("incidents", 400, 401, 403, 404, 429) },
});

const createIncidentRoute = createRoute({
  method: "post",
  path: "/api/v1/incidents",
  operationId: "incidentsCreate",
  summary: "Open an incident (external systems); with an open incident's dedup_key, add an occurrence to it",
  tags,
  security,
  middleware: [...incidentsGuard(), enforceBlocklist()],
  request: body(S.CreateIncidentSchema),
  responses: {
    201: {
      description: "Opened",
      ...json(incidentsSuccessSchema(z.object({ incident: S.IncidentDetailSchema, deduplicated: z.literal(false) }))),
    },
    200: {
      description: "Added as an occurrence of the open incident with the same dedup_key",
      ...json(incidentsSuccessSchema(z.object({ incident: S.IncidentDetailSchema, deduplicated: z.literal(true) }))),
    },
    ...errorResponses("incidents", 400, 401, 403, 413, 415, 429),
  },
});

const changeRoute = <P extends string, B extends z.ZodType>(
  path: P,
  operationId: string,
  summary: string,
  schema: B,
  method: "put" | "post" = "post",
) =>
  createRoute({
    method,
    path,
    operationId,
    summary,
    tags,
    security,
    middleware: incidentsGuard(),
    request: { params: S.incidentParam, ...body(schema) },
    responses: {
      200: { description: "The incident after the change", ...detail },
      ...errorResponses("incidents", 400, 401, 403, 404, 409, 413, 415, 429),
    },
  });

const updateRoute = changeRoute(
  "/api/v1/incidents/{incident_id}",
  "incidentsUpdate",
  "Change status (valid moves only; 409 names the allowed ones), severity, assignee, or add a note",
  S.UpdateIncidentSchema,
  "put",
);
const assignRoute = changeRoute(
  "/api/v1/incidents/{incident_id}/assign",
  "incidentsAssign",
  "Assign to a team or person",
  S.AssignSchema,
);
const resolveRoute = changeRoute(
  "/api/v1/incidents/{incident_id}/resolve",
  "incidentsResolve",
  "Resolve (from REMEDIATING), or mark a false positive (from any status)",
  S.ResolveSchema,
);

/** PUT, assign and resolve: one change, answered with the incident as it now stands. */
async function applyChange(c: Context<AppEnv>, id: string, change: Change) {
  const d = deps(c);
  const after = await updateIncident(d, principalOf(c), id, change);
  return incidentsSuccess(c, { incident: await incidentDetail(d.db, after) }, 200);
}

export function incidentRoutes() {
  return createRouter()
    .openapi(listRoute, async (c) => {
      const p = principalOf(c);
      requireScope(p, "read");
      const page = await listIncidents(database(c.env.DB), p.tenantId, c.req.valid("query"));
      return incidentsSuccess(c, { incidents: page.rows.map(incidentView), pagination: page.pagination }, 200);
    })
    .openapi(getRoute, async (c) => {
      const p = principalOf(c);
      requireScope(p, "read");
      const db = database(c.env.DB);
      const incident = await findIncident(db, p.tenantId, c.req.valid("param").incident_id);
      return incidentsSuccess(c, { incident: await incidentDetail(db, incident) }, 200);
    })
    .openapi(createIncidentRoute, async (c) => {
      const d = deps(c);
      const { incident, created } = await createIncident(d, principalOf(c), c.req.valid("json"));
      const data = { incident: await incidentDetail(d.db, incident) };
      return created
        ? incidentsSuccess(c, { ...data, deduplicated: false as const }, 201)
        : incidentsSuccess(c, { ...data, deduplicated: true as const }, 200);
    })
    .openapi(updateRoute, (c) => {
      const b = c.req.valid("json");
      const change = { status: b.status, severity: b.severity, assignedTo: b.assigned_to, notes: b.notes };
      return applyChange(c, c.req.valid("param").incident_id, change);
    })
    .openapi(assignRoute, (c) => {
      const b = c.req.valid("json");
      return applyChange(c, c.req.valid("param").incident_id, { assignedTo: b.assignee, notes: b.notes });
    })
    .openapi(resolveRoute, (c) => {
      const b = c.req.valid("json");
      const status = b.false_positive ? ("FALSE_POSITIVE" as const) : ("RESOLVED" as const);
      return applyChange(c, c.req.valid("param").incident_id, { status, resolutionNotes: b.resolution_notes });
    });
}
