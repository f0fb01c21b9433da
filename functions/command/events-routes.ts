import { createRoute, z } from "@hono/zod-openapi";
import { SEVERITIES, SYSTEM_TYPES, TENANT_MODES } from "../../schema";
import { principalOf } from "../platform/auth/authenticate";
import { database } from "../platform/db";
import { ApiError } from "../platform/errors";
import { eventHistory } from "../platform/events/history";
import { ThreatEventSchema, toThreatEvent } from "../platform/events/model";
import { errorResponses, json } from "../platform/openapi";
import { COMMAND_POLICIES } from "../platform/rate-limit/policies";
import { createRouter } from "../platform/router";
import { commandSecurity, guarded } from "./access";
import { openHubStream } from "./event-stream";

const guard = () => guarded(COMMAND_POLICIES.events);

const tags = ["Command console"];
const list = (values: readonly string[]) => new RegExp(`^(${values.join("|")})(,(${values.join("|")}))*$`);
const Filters = {
  severity: z.string().regex(list(SEVERITIES), "comma-separated severities").optional(),
  systemType: z.string().regex(list(SYSTEM_TYPES), "comma-separated system types").optional(),
};
const split = <T extends string>(v: string | undefined) => (v ? (v.split(",") as T[]) : undefined);

const statusRoute = createRoute({
  method: "get",
  path: "/api/events",
  operationId: "commandEventStatus",
  summary: "Event stream status: operational, in the tenant's mode (live or simulation)",
  tags,
  security: commandSecurity,
  middleware: guard(),
  responses: {
    200: {
      description: "Status",
      ...json(
        z.object({
          status: z.literal("operational"),
          mode: z.enum(TENANT_MODES),
          message: z.literal("QECNet Sentinel operational"),
        }),
      ),
    },
    ...errorResponses("command", 401, 429, 503),
  },
});

const historyRoute = createRoute({
  method: "get",
  path: "/api/events/history",
  operationId: "commandEventHistory",
  summary: "Past events, newest first, with cursor pagination",
  tags,
  security: commandSecurity,
  middleware: guard(),
  request: {
    query: z.object({
      since: z.coerce.number().int().min(0).optional().openapi({ description: "Unix ms, inclusive" }),
      until: z.coerce.number().int().min(0).optional().openapi({ description: "Unix ms, inclusive" }),
      ...Filters,
      cursor: z.string().max(200).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
  },
  responses: {
    200: {
      description: "A page of events",
      ...json(z.object({ events: z.array(ThreatEventSchema), next_cursor: z.string().nullable() })),
    },
    ...errorResponses("command", 400, 401, 429, 503),
  },
});

const streamRoute = createRoute({
  method: "get",
  path: "/api/events/stream",
  operationId: "commandEventStream",
  summary:
    "Live events over a WebSocket or server-sent events (Last-Event-ID resumes); each message is {kind: 'event', type, source, event: ThreatEvent}",
  tags,
  security: commandSecurity,
  middleware: guard(),
  request: { query: z.object({ ...Filters, type: z.string().max(500).optional() }) },
  responses: {
    101: { description: "Switching to the WebSocket protocol" },
    200: {
      description: "Server-sent events (Accept: text/event-stream)",
      content: { "text/event-stream": { schema: z.string() } },
    },
    ...errorResponses("command", 400, 401, 429, 503),
  },
});

export function commandEventRoutes() {
  return createRouter()
    .openapi(statusRoute, async (c) => {
      const tenant = await database(c.env.DB).query.tenants.findFirst({
        where: (t, { eq }) => eq(t.id, principalOf(c).tenantId),
      });
      if (!tenant) throw new ApiError("unauthorized", "The session's tenant no longer exists");
      return c.json({ status: "operational" as const, mode: tenant.mode, message: "QECNet Sentinel operational" as const }, 200);
    })
    .openapi(historyRoute, async (c) => {
      const q = c.req.valid("query");
      const page = await eventHistory(database(c.env.DB), principalOf(c).tenantId, {
        ...q,
        severities: split(q.severity),
        systemTypes: split(q.systemType),
      });
      return c.json({ events: page.events.map(toThreatEvent), next_cursor: page.nextCursor }, 200);
    })
    .openapi(streamRoute, async (c) => {
      const websocket = c.req.header("Upgrade")?.toLowerCase() === "websocket";
      if (!websocket && !c.req.header("Accept")?.includes("text/event-stream"))
        throw new ApiError("invalid_request", "Stream with a WebSocket upgrade or with Accept: text/event-stream");
      const q = c.req.valid("query");
      const filters = { severities: split(q.severity) ?? [], systemTypes: split(q.systemType) ?? [], types: split(q.type) ?? [] };
      return (await openHubStream(c, principalOf(c), filters, websocket)) as never;
    });
}
