import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { REMEDIATION_ACTIONS, REMEDIATION_STATUSES } from "../../schema";
import { principalOf } from "../platform/auth/authenticate";
import { requireScope } from "../platform/auth/principal";
import { database } from "../platform/db";
import { incidentsSuccess } from "../platform/envelopes";
import { errorResponses, incidentsSuccessSchema, json } from "../platform/openapi";
import { createRouter } from "../platform/router";
import type { AppEnv } from "../platform/types";
import { incidentsGuard, incidentsSecurity as security } from "./auth-routes";
import type { Deps } from "./incidents";
import { catalogView } from "./remediation/catalog";
import { approveRemediation, executeRemediation, rollbackByUser, viewOf } from "./remediation/service";
import { findRemediation } from "./remediation/store";

const tags = ["Incident response: remediation"];
const deps = (c: Context<AppEnv>): Deps => ({ env: c.env, db: database(c.env.DB), log: c.get("log") });
const body = <T extends z.ZodType>(schema: T) => ({ body: { required: true, ...json(schema) } });
const actionParam = z.object({
  action_id: z.string().min(1).max(100).openapi({ example: "rem_0123456789abcdef0123456789abcdef" }),
});

const PlanStep = z.object({ operation: z.string(), target: z.string(), detail: z.string() });
const ActionSchema = z
  .object({
    id: z.string().nullable().openapi({ description: "null for a dry run: nothing was stored" }),
    incident_id: z.string().nullable(),
    type: z.enum(REMEDIATION_ACTIONS),
    status: z.enum(REMEDIATION_STATUSES),
    parameters: z.record(z.string(), z.unknown()),
    approval: z.object({
      required: z.boolean(),
      requested_at: z.string().nullable(),
      requested_by: z.string(),
      approvers: z.array(z.string()).openapi({ description: "Roles that may approve (never the requester)" }),
      expires_at: z.string().nullable(),
      approved_by: z.string().nullable(),
      approved_at: z.string().nullable(),
      notes: z.string().nullable(),
    }),
    plan: z.array(PlanStep),
    result: z.record(z.string(), z.unknown()).nullable(),
    error: z.string().nullable(),
    executed_at: z.string().nullable(),
    expires_at: z.string().nullable().openapi({ description: "When Vigil rolls the action back by itself" }),
    rollback: z.object({
      available: z.boolean(),
      rolled_back_at: z.string().nullable(),
      rolled_back_by: z.string().nullable(),
      reason: z.string().nullable(),
    }),
    created_at: z.string().nullable(),
    updated_at: z.string().nullable(),
  })
  .openapi("RemediationAction");
const actionResponse = (description: string) => ({
  description,
  ...json(incidentsSuccessSchema(z.object({ action: ActionSchema }))),
});

const ExecuteSchema = z.object({
  incident_id: z.string().min(1).max(100).optional(),
  action: z.enum(REMEDIATION_ACTIONS),
  parameters: z.record(z.string(), z.unknown()).default({}),
  dry_run: z.boolean().default(false),
  require_approval: z.boolean().default(false),
});

const catalogRoute = createRoute({
  method: "get",
  path: "/api/v1/remediation/actions",
  operationId: "remediationCatalog",
  summary: "The actions Vigil can take, each with its parameter schema, risk and whether it can be rolled back",
  tags,
  security,
  middleware: incidentsGuard(),
  responses: {
    200: {
      description: "The catalog",
      ...json(
        incidentsSuccessSchema(
          z.object({
            actions: z.array(
              z.object({
                name: z.enum(REMEDIATION_ACTIONS),
                description: z.string(),
                risk: z.enum(["low", "medium", "high", "critical"]),
                reversible: z.boolean(),
                effect: z.string(),
                parameters: z.record(z.string(), z.unknown()),
              }),
            ),
          }),
        ),
      ),
    },
    ...errorResponses("incidents", 401, 429),
  },
});

const executeRoute = createRoute({
  method: "post",
  path: "/api/v1/remediation/execute",
  operationId: "remediationExecute",
  summary: "Run an action now, plan it (dry_run), or request it for a second person's approval (require_approval)",
  tags,
  security,
  middleware: incidentsGuard(),
  request: body(ExecuteSchema),
  responses: {
    200: actionResponse("Dry run: the exact plan; nothing changed"),
    201: actionResponse("Executed"),
    202: actionResponse("Awaiting approval by another responder within 24 h"),
    ...errorResponses("incidents", 400, 401, 403, 404, 409, 413, 415, 429),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/api/v1/remediation/{action_id}",
  operationId: "remediationGet",
  summary: "A remediation action's status",
  tags,
  security,
  middleware: incidentsGuard(),
  request: { params: actionParam },
  responses: { 200: actionResponse("The action"), ...errorResponses("incidents", 401, 403, 404, 429) },
});

const approveRoute = createRoute({
  method: "post",
  path: "/api/v1/remediation/{action_id}/approve",
  operationId: "remediationApprove",
  summary: "Approve (once, within 24 h, by a responder other than the requester) and run the action",
  tags,
  security,
  middleware: incidentsGuard(),
  request: { params: actionParam, ...body(z.object({ approval_notes: z.string().max(2000).optional() })) },
  responses: {
    200: actionResponse("Approved and executed"),
    ...errorResponses("incidents", 400, 401, 403, 404, 409, 413, 415, 429),
  },
});

const rollbackRoute = createRoute({
  method: "post",
  path: "/api/v1/remediation/{action_id}/rollback",
  operationId: "remediationRollback",
  summary: "Apply the inverse recorded when the action ran",
  tags,
  security,
  middleware: incidentsGuard(),
  request: { params: actionParam, ...body(z.object({ reason: z.string().trim().min(1).max(2000) })) },
  responses: { 200: actionResponse("Rolled back"), ...errorResponses("incidents", 400, 401, 403, 404, 409, 413, 415, 429) },
});

export function remediationRoutes() {
  return createRouter()
    .openapi(catalogRoute, (c) => {
      requireScope(principalOf(c), "read");
      return incidentsSuccess(c, { actions: catalogView() }, 200);
    })
    .openapi(executeRoute, async (c) => {
      const { row, persisted } = await executeRemediation(deps(c), principalOf(c), c.req.valid("json"));
      const action = { ...viewOf(row), id: persisted ? row.id : null };
      if (!persisted) return incidentsSuccess(c, { action }, 200);
      return row.status === "pending_approval" ? incidentsSuccess(c, { action }, 202) : incidentsSuccess(c, { action }, 201);
    })
    .openapi(getRoute, async (c) => {
      const p = principalOf(c);
      requireScope(p, "read");
      const row = await findRemediation(database(c.env.DB), p.tenantId, c.req.valid("param").action_id);
      return incidentsSuccess(c, { action: viewOf(row) }, 200);
    })
    .openapi(approveRoute, async (c) => {
      const row = await approveRemediation(
        deps(c),
        principalOf(c),
        c.req.valid("param").action_id,
        c.req.valid("json").approval_notes,
      );
      return incidentsSuccess(c, { action: viewOf(row) }, 200);
    })
    .openapi(rollbackRoute, async (c) => {
      const row = await rollbackByUser(deps(c), principalOf(c), c.req.valid("param").action_id, c.req.valid("json").reason);
      return incidentsSuccess(c, { action: viewOf(row) }, 200);
    });
}
