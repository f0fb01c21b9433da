import { createRoute, z } from "@hono/zod-openapi";
import { APPROVAL_ACTIONS, APPROVAL_STATUSES } from "../../schema";
import { principalOf } from "../platform/auth/authenticate";
import { database } from "../platform/db";
import { errorResponses, json } from "../platform/openapi";
import { COMMAND_POLICIES } from "../platform/rate-limit/policies";
import { createRouter } from "../platform/router";
import { commandSecurity as security, guarded, jsonBody, requireCommander } from "./access";
import { approvalView, approve, getApproval, listApprovals, rejectApproval, requestApproval } from "./approvals";
import { nodeIdParam } from "./mesh-routes";

const tags = ["Command console: approvals"];
const approvalId = z.string().regex(/^apr_[A-Za-z0-9_-]{1,64}$/, "an approval id (apr_…)");

const Approval = z
  .object({
    id: z.string(),
    action: z.enum(APPROVAL_ACTIONS),
    nodeId: z.string(),
    reason: z.string().nullable(),
    status: z.enum(APPROVAL_STATUSES),
    requestedBy: z.string(),
    requestedAt: z.string(),
    expiresAt: z.string(),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    outcome: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi("CommandApproval");

const routes = {
  request: createRoute({
    method: "post",
    path: "/api/approvals",
    operationId: "commandRequestApproval",
    summary: "Ask a second user to approve a command (isolating a protected node; returning an isolated node to service)",
    tags,
    security,
    middleware: guarded(COMMAND_POLICIES.mesh),
    request: {
      body: jsonBody(
        z.object({ action: z.enum(APPROVAL_ACTIONS), nodeId: nodeIdParam, reason: z.string().max(1000).optional() }),
      ),
    },
    responses: {
      201: { description: "Pending approval", ...json(Approval) },
      ...errorResponses("command", 400, 401, 403, 404, 409, 413, 415, 429, 503),
    },
  }),
  list: createRoute({
    method: "get",
    path: "/api/approvals",
    operationId: "commandListApprovals",
    summary: "Approval requests, newest first (at most 200)",
    tags,
    security,
    middleware: guarded(COMMAND_POLICIES.mesh),
    request: { query: z.object({ status: z.enum(APPROVAL_STATUSES).optional() }) },
    responses: {
      200: { description: "Approvals", ...json(z.object({ approvals: z.array(Approval) })) },
      ...errorResponses("command", 400, 401, 429, 503),
    },
  }),
  get: createRoute({
    method: "get",
    path: "/api/approvals/{approvalId}",
    operationId: "commandGetApproval",
    summary: "One approval request",
    tags,
    security,
    middleware: guarded(COMMAND_POLICIES.mesh),
    request: { params: z.object({ approvalId }) },
    responses: { 200: { description: "Approval", ...json(Approval) }, ...errorResponses("command", 400, 401, 404, 429, 503) },
  }),
  approve: createRoute({
    method: "post",
    path: "/api/approvals/{approvalId}/approve",
    operationId: "commandApprove",
    summary: "Approve and execute: a signed-in responder other than the requester",
    tags,
    security,
    middleware: guarded(COMMAND_POLICIES.isolateNode),
    request: { params: z.object({ approvalId }) },
    responses: {
      200: {
        description: "Executed; `result` is the command's own response",
        ...json(z.object({ approval: Approval, result: z.record(z.string(), z.unknown()) })),
      },
      ...errorResponses("command", 400, 401, 403, 404, 409, 429, 503),
    },
  }),
  reject: createRoute({
    method: "post",
    path: "/api/approvals/{approvalId}/reject",
    operationId: "commandReject",
    summary: "Reject (or, for the requester, withdraw) a pending request",
    tags,
    security,
    middleware: guarded(COMMAND_POLICIES.mesh),
    request: {
      params: z.object({ approvalId }),
      body: { required: false, ...json(z.object({ note: z.string().max(1000).optional() })) },
    },
    responses: {
      200: { description: "Rejected", ...json(Approval) },
      ...errorResponses("command", 400, 401, 403, 404, 409, 413, 415, 429, 503),
    },
  }),
};

export function commandApprovalRoutes() {
  return createRouter()
    .openapi(routes.request, async (c) => {
      const p = principalOf(c);
      requireCommander(p);
      return c.json(approvalView(await requestApproval(c.env, database(c.env.DB), p, c.req.valid("json"))), 201);
    })
    .openapi(routes.list, async (c) => {
      const rows = await listApprovals(database(c.env.DB), principalOf(c).tenantId, c.req.valid("query").status);
      return c.json({ approvals: rows.map(approvalView) }, 200);
    })
    .openapi(routes.get, async (c) =>
      c.json(approvalView(await getApproval(database(c.env.DB), principalOf(c).tenantId, c.req.valid("param").approvalId)), 200),
    )
    .openapi(routes.approve, async (c) =>
      c.json(await approve(c.env, database(c.env.DB), principalOf(c), c.req.valid("param").approvalId, c.get("log")), 200),
    )
    .openapi(routes.reject, async (c) => {
      const p = principalOf(c);
      requireCommander(p);
      const note = (c.req.valid("json") as { note?: string } | undefined)?.note;
      return c.json(approvalView(await rejectApproval(c.env, database(c.env.DB), p, c.req.valid("param").approvalId, note)), 200);
    });
}
