import { createRoute, z } from "@hono/zod-openapi";
import { MACHINE_VISIBILITIES } from "../../schema";
import { createMachine, SLUG } from "../av/machines";
import { database } from "../platform/db";
import { json, problemResponses } from "../platform/openapi";
import { createRouter } from "../platform/router";
import { requireAdmin } from "./auth";
import { adminCommon, TenantIdParam } from "./schemas";
import { requireTenant } from "./tenants";

const machineRoute = createRoute({
  ...adminCommon,
  method: "post",
  path: "/tenants/{tenantId}/machines",
  operationId: "adminCreateMachine",
  summary: "Register an agent-claims machine for an owner (the slug is generated when omitted)",
  request: {
    params: TenantIdParam,
    body: {
      required: true,
      ...json(
        z.object({
          slug: z.string().regex(SLUG, "3–64 lowercase letters, digits or '-'").optional(),
          owner_user_id: z.string().min(1).max(64),
          visibility: z.enum(MACHINE_VISIBILITIES).default("private"),
          theta: z.number().min(0).max(1).optional(),
        }),
      ),
    },
  },
  responses: {
    201: { description: "Registered", ...json(z.object({ slug: z.string() })) },
    ...problemResponses(400, 401, 404, 409, 413, 415),
  },
});

export function adminMachineRoutes() {
  const app = createRouter();
  app.use("*", requireAdmin());
  return app.openapi(machineRoute, async (c) => {
    const db = database(c.env.DB);
    const { tenantId } = c.req.valid("param");
    await requireTenant(db, tenantId);
    return c.json(await createMachine(db, tenantId, c.req.valid("json")), 201);
  });
}
