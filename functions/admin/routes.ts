import { createRoute, z } from "@hono/zod-openapi";
import { TENANT_MODES, USER_ROLES } from "../../schema";
import { database } from "../platform/db";
import { listDeadLetters } from "../platform/dead-letters";
import { json, problemResponses } from "../platform/openapi";
import { createRouter } from "../platform/router";
import { adminActor, requireAdmin } from "./auth";
import { adminCommon, TenantIdParam } from "./schemas";
import { createTenant, createUser, listTenants, updateTenant } from "./tenants";

const TenantSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    mode: z.enum(TENANT_MODES),
    event_retention_days: z.number().int(),
    graphql_introspection: z
      .boolean()
      .openapi({ description: "Whether /v3/graphql answers introspection (__schema, __type) for this tenant" }),
    created_at: z.string(),
  })
  .openapi("Tenant");
const common = adminCommon;

const createTenantRoute = createRoute({
  ...common,
  method: "post",
  path: "/tenants",
  operationId: "adminCreateTenant",
  summary: "Create a tenant",
  request: {
    body: { required: true, ...json(z.object({ name: z.string().trim().min(1).max(100) })) },
  },
  responses: {
    201: { description: "Created", ...json(TenantSchema) },
    ...problemResponses(400, 401, 409, 413, 415),
  },
});

const listTenantsRoute = createRoute({
  ...common,
  method: "get",
  path: "/tenants",
  operationId: "adminListTenants",
  summary: "List tenants",
  responses: {
    200: { description: "Tenants, oldest first", ...json(z.object({ tenants: z.array(TenantSchema) })) },
    ...problemResponses(401),
  },
});

const updateTenantRoute = createRoute({
  ...common,
  method: "patch",
  path: "/tenants/{tenantId}",
  operationId: "adminUpdateTenant",
  summary: "Change a tenant's mode (live or simulation), event retention or GraphQL introspection",
  request: {
    params: TenantIdParam,
    body: {
      required: true,
      ...json(
        z
          .object({
            mode: z.enum(TENANT_MODES).optional(),
            event_retention_days: z.number().int().min(1).max(3650).optional(),
            graphql_introspection: z.boolean().optional(),
          })
          .refine((v) => Object.values(v).some((x) => x !== undefined), "name at least one setting to change"),
      ),
    },
  },
  responses: { 200: { description: "Updated", ...json(TenantSchema) }, ...problemResponses(400, 401, 404, 413, 415) },
});

const NewUserSchema = z.object({
  username: z.string().trim().toLowerCase().min(1).max(254),
  password: z.string().min(12, "must be at least 12 characters").max(1024),
  role: z.enum(USER_ROLES),
});

const createUserRoute = createRoute({
  ...common,
  method: "post",
  path: "/tenants/{tenantId}/users",
  operationId: "adminCreateUser",
  summary: "Create a user in a tenant",
  request: { params: TenantIdParam, body: { required: true, ...json(NewUserSchema) } },
  responses: {
    201: {
      description: "Created",
      ...json(z.object({ id: z.string(), tenant_id: z.string(), username: z.string(), role: z.enum(USER_ROLES) })),
    },
    ...problemResponses(400, 401, 404, 409, 413, 415),
  },
});

const DeadLetterSchema = z
  .object({
    id: z.string(),
    queue: z.string(),
    message_id: z.string(),
    kind: z.string().nullable(),
    tenant_id: z.string().nullable(),
    reason: z.string(),
    attempts: z.number().int(),
    body: z.unknown(),
    created_at: z.string(),
  })
  .openapi("DeadLetter");

const listDeadLettersRoute = createRoute({
  ...common,
  method: "get",
  path: "/dead-letters",
  operationId: "adminListDeadLetters",
  summary: "Queue messages that could not be processed, newest first",
  request: {
    query: z.object({
      queue: z.string().max(100).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
  },
  responses: {
    200: { description: "Dead letters", ...json(z.object({ dead_letters: z.array(DeadLetterSchema) })) },
    ...problemResponses(400, 401),
  },
});

export function adminRoutes() {
  const app = createRouter();
  app.use("*", requireAdmin());
  return app
    .openapi(createTenantRoute, async (c) => {
      const tenant = await createTenant(database(c.env.DB), c.req.valid("json").name, adminActor(c.get("requestId")));
      return c.json(tenant, 201);
    })
    .openapi(listTenantsRoute, async (c) => c.json({ tenants: await listTenants(database(c.env.DB)) }, 200))
    .openapi(updateTenantRoute, async (c) => {
      const { tenantId } = c.req.valid("param");
      const changes = c.req.valid("json");
      const tenant = await updateTenant(database(c.env.DB), tenantId, changes, adminActor(c.get("requestId")));
      if (changes.mode) await c.env.TENANT_HUB.getByName(tenantId).setSimulation(tenantId, changes.mode === "simulation");
      return c.json(tenant, 200);
    })
    .openapi(createUserRoute, async (c) => {
      const { tenantId } = c.req.valid("param");
      const user = await createUser(database(c.env.DB), tenantId, c.req.valid("json"), adminActor(c.get("requestId")));
      return c.json(user, 201);
    })
    .openapi(listDeadLettersRoute, async (c) => {
      const query = c.req.valid("query");
      return c.json({ dead_letters: await listDeadLetters(database(c.env.DB), query) }, 200);
    });
}
