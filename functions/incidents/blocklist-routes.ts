import { createRoute, z } from "@hono/zod-openapi";
import { principalOf } from "../platform/auth/authenticate";
import { requireScope } from "../platform/auth/principal";
import { activeEntries } from "../platform/blocklist";
import { database } from "../platform/db";
import { incidentsSuccess } from "../platform/envelopes";
import { errorResponses, incidentsSuccessSchema, json } from "../platform/openapi";
import { createRouter } from "../platform/router";
import { isoTime } from "../platform/time";
import { incidentsGuard, incidentsSecurity as security } from "./auth-routes";

const Entry = z
  .object({
    cidr: z.string().openapi({ example: "203.0.113.7/32" }),
    policy_name: z.string().nullable(),
    reason: z.string().nullable(),
    remediation_id: z.string(),
    created_at: z.string(),
    expires_at: z.string().nullable(),
  })
  .openapi("BlocklistEntry");

const exportRoute = createRoute({
  method: "get",
  path: "/api/v1/blocklist",
  operationId: "blocklistExport",
  summary: "The tenant's blocked addresses in force, as JSON or as plain text (one CIDR a line) for firewalls",
  tags: ["Incident response: remediation"],
  security,
  middleware: incidentsGuard(),
  request: {
    query: z.object({
      format: z
        .enum(["json", "text"])
        .optional()
        .openapi({ description: "Defaults to text when Accept prefers text/plain, else json" }),
    }),
  },
  responses: {
    200: {
      description: "Entries in force",
      content: {
        ...json(incidentsSuccessSchema(z.object({ entries: z.array(Entry), count: z.number().int() }))).content,
        "text/plain": { schema: z.string() },
      },
    },
    ...errorResponses("incidents", 400, 401, 403, 429),
  },
});

const wantsText = (format: string | undefined, accept: string | undefined) =>
  format === "text" || (format === undefined && /^text\/plain\b/.test(accept ?? ""));

export function blocklistRoutes() {
  return createRouter().openapi(exportRoute, async (c) => {
    const p = principalOf(c);
    requireScope(p, "read");
    const rows = await activeEntries(database(c.env.DB), p.tenantId);
    if (wantsText(c.req.valid("query").format, c.req.header("Accept"))) {
      // Several remediations may hold one block; a firewall needs each block once.
      const cidrs = [...new Set(rows.map((r) => r.cidr))];
      const header = `# Vigil blocklist, ${cidrs.length} entries, generated ${new Date().toISOString()}\n`;
      return c.text(header + cidrs.map((x) => `${x}\n`).join(""), 200, { "Content-Type": "text/plain; charset=utf-8" }) as never;
    }
    const entries = rows.map((r) => ({
      cidr: r.cidr,
      policy_name: r.policyName,
      reason: r.reason,
      remediation_id: r.remediationId,
      created_at: isoTime(r.createdAt),
      expires_at: isoTime(r.expiresAt),
    }));
    return incidentsSuccess(c, { entries, count: entries.length }, 200);
  });
}
