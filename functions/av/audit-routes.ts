import { createRoute, z } from "@hono/zod-openapi";
import { firstBrokenLink } from "../platform/audit-chain";
import { authenticate } from "../platform/auth/authenticate";
import { database } from "../platform/db";
import { errorResponses, json } from "../platform/openapi";
import { createRouter } from "../platform/router";
import { findMachine, requireReader, SLUG } from "./machines";

/** The owner's cookie, or nobody at all for a public machine. */
const readerSecurity: Record<string, string[]>[] = [{ ZeqSession: [] }, {}];

const verifyRoute = createRoute({
  method: "get",
  path: "/api/av/audit/verify",
  operationId: "avAuditVerify",
  summary: "Recompute the machine's hash-chained transition log; report the first broken link, if any",
  tags: ["Endpoint agent claims"],
  security: readerSecurity,
  middleware: [authenticate({ cookie: "zeq", optional: true })],
  request: { query: z.object({ slug: z.string().regex(SLUG, "a machine slug") }) },
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
