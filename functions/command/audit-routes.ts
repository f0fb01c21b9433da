import { createRoute, z } from "@hono/zod-openapi";
import { principalOf } from "../platform/auth/authenticate";
import { parseEntry } from "../platform/audit-chain";
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

/** Verifying hashes each entry (SHA-256 over its JSON): a call's work stays bounded however long the log grows. */
const MAX_VERIFY_RUN = 10_000;

const listRoute = createRoute({
  method: "get",
  path: "/api/audit",
  operationId: "commandAuditLog",
  summary: "The tenant's hash-chained command log, oldest first, a page at a time",
  tags,
  security,
  middleware,
  request: {
    query: z.object({
      after_seq: z.coerce.number().int().min(0).default(0).openapi({ description: "Entries after this sequence number" }),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
  },
  responses: {
    200: {
      description: "A page of entries; next_after_seq continues it, null on the last page",
      ...json(z.object({ entries: z.array(Entry), next_after_seq: z.number().int().nullable() })),
    },
    ...errorResponses("command", 400, 401, 429, 503),
  },
});

const verifyRoute = createRoute({
  method: "get",
  path: "/api/audit/verify",
  operationId: "commandAuditVerify",
  summary: `Recompute the chain's hashes (up to ${MAX_VERIFY_RUN.toLocaleString("en")} entries a call, from from_seq) and report the first broken link, if any`,
  tags,
  security,
  middleware,
  request: {
    query: z.object({
      from_seq: z.coerce.number().int().min(1).default(1),
      limit: z.coerce.number().int().min(1).max(MAX_VERIFY_RUN).default(MAX_VERIFY_RUN),
    }),
  },
  responses: {
    200: {
      description: "Verification of the entries checked; next_from_seq continues a log longer than one call checks",
      ...json(
        z.object({
          valid: z.boolean(),
          length: z.number().int(),
          firstBrokenSeq: z.number().int().nullable(),
          checked: z.number().int(),
          next_from_seq: z.number().int().nullable(),
        }),
      ),
    },
    ...errorResponses("command", 400, 401, 429, 503),
  },
});

export function commandAuditRoutes() {
  return createRouter()
    .openapi(listRoute, async (c) => {
      const { after_seq, limit } = c.req.valid("query");
      // One more than asked says whether another page follows.
      const page = await c.env.TENANT_HUB.getByName(principalOf(c).tenantId).auditPage(after_seq, limit + 1);
      const entries = page.slice(0, limit).map(parseEntry);
      return c.json(
        {
          entries: entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() })),
          next_after_seq: page.length > limit ? entries.at(-1)!.seq : null,
        },
        200,
      );
    })
    .openapi(verifyRoute, async (c) => {
      const { from_seq, limit } = c.req.valid("query");
      const check = await c.env.TENANT_HUB.getByName(principalOf(c).tenantId).verifyAudit(from_seq, limit);
      const end = from_seq + check.checked;
      return c.json(
        {
          valid: check.firstBrokenSeq === null,
          length: check.length,
          firstBrokenSeq: check.firstBrokenSeq,
          checked: check.checked,
          next_from_seq: check.firstBrokenSeq === null && check.checked === limit && end <= check.length ? end : null,
        },
        200,
      );
    });
}
