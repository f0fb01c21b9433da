import { createRoute, z } from "@hono/zod-openapi";
import { firstBrokenLink } from "../platform/audit-chain";
import { database } from "../platform/db";
import { errorResponses, json } from "../platform/openapi";
import { createRouter } from "../platform/router";
import { avTags, readerGuard, readerSecurity, slugSchema } from "./route-kit";
import { findMachine, requireReader } from "./machines";

const verifyRoute = createRoute({
  method: "get",
  path: "/api/av/audit/verify",
  operationId: "avAuditVerify",
  summary: "Recompute the machine's hash-chained transition log; report the first broken link, if any",
  tags: avTags,
  security: readerSecurity,
  middleware: readerGuard(),
  request: { query: z.object({ slug: slugSchema }) },
  responses: {
    200: {
      description: "Verification",
      ...json(
        z.object({
          ok: z.literal(true),
          slug: z.string(),
          valid: z.boolean(),
          length: z.number().int(),
          first_broken_seq: z.number().int().nullable(),
        }),
      ),
    },
    ...errorResponses("av", 400, 401, 403, 404),
  },
});

export function avAuditRoutes() {
  return createRouter().openapi(verifyRoute, async (c) => {
    const machine = await findMachine(database(c.env.DB), c.req.valid("query").slug);
    requireReader(machine, c.get("principal"));
    const entries = await c.env.MACHINE_STATE.getByName(machine.slug).transitions();
    const broken = await firstBrokenLink(entries);
    return c.json(
      { ok: true as const, slug: machine.slug, valid: broken === null, length: entries.length, first_broken_seq: broken },
      200,
    );
  });
}
