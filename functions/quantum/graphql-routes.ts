import { eq } from "drizzle-orm";
import { Hono, type Context } from "hono";
import { tenants } from "../../schema";
import { principalOf } from "../platform/auth/authenticate";
import { database, type Database } from "../platform/db";
import { ApiError } from "../platform/errors";
import type { AppEnv } from "../platform/types";
import type { GraphQLServerContext } from "./graphql/context";
import { GRAPHQL_PATH, GRAPHQL_SSE_PATH } from "./graphql/paths";
import { quantumGuard } from "./guard";

/** On unless the tenant's admin turned it off (PATCH /admin/tenants/{id} {graphql_introspection: false}). */
async function introspectionAllowed(db: Database, tenantId: string): Promise<boolean> {
  const [row] = await db.select({ on: tenants.graphqlIntrospection }).from(tenants).where(eq(tenants.id, tenantId)).limit(1);
  return row?.on ?? true;
}

type Handlers = typeof import("./graphql/handlers");
let handlers: Handlers | null = null;

/**
 * graphql, graphql-yoga and graphql-ws load on first use, by dynamic import, so requests to the
 * rest of the Worker never pay for evaluating them at isolate start. The module is kept, not the
 * promise, so no request awaits another's.
 */
async function load(): Promise<Handlers> {
  handlers ??= await import("./graphql/handlers");
  return handlers;
}

async function serve(c: Context<AppEnv>): Promise<Response> {
  const { acceptGraphQLWebSocket, graphqlServer } = await load();
  const principal = principalOf(c);
  const db = database(c.env.DB);
  const server: GraphQLServerContext = {
    deps: { env: c.env, db, log: c.get("log") },
    principal,
    url: c.req.url,
    introspection: await introspectionAllowed(db, principal.tenantId),
  };
  if (c.req.header("Upgrade")?.toLowerCase() === "websocket") return acceptGraphQLWebSocket(c.req.raw, server);
  return graphqlServer().fetch(c.req.raw, server);
}

/**
 * The agent-orchestration GraphQL API (graphql-yoga) behind the quantum guard, like every /v3 route:
 * queries and mutations over GET and POST (GraphQL over HTTP), subscriptions as server-sent events
 * at /v3/graphql (`Accept: text/event-stream`) and with the graphql-sse protocol at
 * /v3/graphql/stream, and over a WebSocket (graphql-transport-ws) upgraded at /v3/graphql.
 */
export function graphqlRoutes() {
  const app = new Hono<AppEnv>();
  for (const path of [GRAPHQL_PATH, GRAPHQL_SSE_PATH]) app.use(path, ...quantumGuard());
  app.all(GRAPHQL_PATH, serve);
  app.all(GRAPHQL_SSE_PATH, (c) => {
    // graphql-sse's single connection mode reserves a stream with PUT and then streams on a later
    // request; the reservation lives in one isolate's memory, which the next request may not reach.
    if (c.req.method === "PUT")
      throw new ApiError(
        "invalid_request",
        "Single connection mode is not supported; use graphql-sse's distinct connections mode",
      );
    return serve(c);
  });
  return app;
}
