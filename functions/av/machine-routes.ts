import { createRoute, z } from "@hono/zod-openapi";
import { asc, eq } from "drizzle-orm";
import { machines, MACHINE_VISIBILITIES } from "../../schema";
import { principalOf } from "../platform/auth/authenticate";
import { requireScope } from "../platform/auth/principal";
import { database } from "../platform/db";
import { errorResponses, json } from "../platform/openapi";
import { createRouter } from "../platform/router";
import { isOwner } from "./machines";
import { avTags, memberGuard } from "./route-kit";

/** A tenant holds a handful of machines, not thousands; the list is not paginated. */
const LIST_LIMIT = 500;

const MachineSummary = z
  .object({
    slug: z.string(),
    visibility: z.enum(MACHINE_VISIBILITIES),
    owner_user_id: z.string(),
    owned: z.boolean().openapi({ description: "Whether the caller owns it (owners read private machines' threats)" }),
    theta: z.number(),
    created_at: z.string().openapi({ description: "ISO 8601" }),
  })
  .openapi("AvMachineSummary");

const listRoute = createRoute({
  method: "get",
  path: "/api/av/machines",
  operationId: "avListMachines",
  summary: "The caller's tenant's machines (Vigil's addition for the operator console: the seed names none)",
  tags: avTags,
  security: [{ ZeqSession: [] }, { QecnetSession: [] }, { BearerJWT: [] }],
  middleware: memberGuard(),
  responses: {
    200: {
      description: "Machines, by slug",
      ...json(z.object({ ok: z.literal(true), machines: z.array(MachineSummary), truncated: z.boolean() })),
    },
    ...errorResponses("av", 401, 403, 429),
  },
});

export function avMachineRoutes() {
  return createRouter().openapi(listRoute, async (c) => {
    const p = principalOf(c);
    requireScope(p, "read");
    const rows = await database(c.env.DB)
      .select()
      .from(machines)
      .where(eq(machines.tenantId, p.tenantId))
      .orderBy(asc(machines.slug))
      .limit(LIST_LIMIT + 1);
    const list = rows.slice(0, LIST_LIMIT).map((m) => ({
      slug: m.slug,
      visibility: m.visibility,
      owner_user_id: m.ownerUserId,
      owned: isOwner(m, p),
      theta: m.theta,
      created_at: new Date(m.createdAt).toISOString(),
    }));
    return c.json({ ok: true as const, machines: list, truncated: rows.length > LIST_LIMIT }, 200);
  });
}
