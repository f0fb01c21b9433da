import { createRoute, z } from "@hono/zod-openapi";
import { principalOf } from "../platform/auth/authenticate";
import { firstBrokenLink, parseEntry } from "../platform/audit-chain";
import { errorResponses, json } from "../platform/openapi";
import { COMMAND_POLICIES } from "../platform/rate-limit/policies";
import { createRouter } from "../platform/router";
import { commandSecurity as security, guarded } from "./access";

const tags = ["Command console: audit"];
const middleware = guarded(COMMAND_POLICIES.mesh);

const Entry = z
  .object({
    seq: z.number().int(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    details: z.record(z.string(), z.unknown()),
    prevHash: z.string(),
    hash: z.string(),
  })
  .openapi("CommandAuditEntry");

const listRoute = createRoute({
  method: "get",
  path: "/api/audit",
  operationId: "commandAuditLog",
  summary: "The tenant's hash-chained command log, oldest first",
  tags,
  security,
  middleware,
  responses: {
    200: { description: "Entries", ...json(z.object({ entries: z.array(Entry) })) },
    ...errorResponses("command", 401, 429, 503),
  },
});

const verifyRoute = createRoute({
  method: "get",
  path: "/api/audit/verify",
  operationId: "commandAuditVerify",
  summary: "Recompute the chain; report the first broken link, if any",
  tags,
  security,
  middleware,
  responses: {
    200: {
      description: "Verification",
      ...json(z.object({ valid: z.boolean(), length: z.number().int(), firstBrokenSeq: z.number().int().nullable() })),
    },
    ...errorResponses("command", 401, 429, 503),
  },
});

export function commandAuditRoutes() {
  return createRouter()
    .openapi(listRoute, async (c) => {
      const entries = await c.env.TENANT_HUB.getByName(principalOf(c).tenantId).auditEntries();
      return c.json({ entries: entries.map(parseEntry).map((e) => ({ ...e, at: new Date(e.at).toISOString() })) }, 200);
    })
    .openapi(verifyRoute, async (c) => {
      const entries = await c.env.TENANT_HUB.getByName(principalOf(c).tenantId).auditEntries();
      const broken = await firstBrokenLink(entries);
      return c.json({ valid: broken === null, length: entries.length, firstBrokenSeq: broken }, 200);
    });
}
