import type { z } from "@hono/zod-openapi";
import { GraphQLError } from "graphql";
import type { YogaInitialContext } from "graphql-yoga";
import type { Principal } from "../../platform/auth/principal";
import { ApiError, type ErrorCode } from "../../platform/errors";
import { validationError } from "../../platform/router";
import { requireConsensusAccess } from "../consensus/access";
import type { ConsensusDeps } from "../consensus/service";

/** What the route hands every GraphQL operation: set once per request (or per WebSocket connection). */
export interface GraphQLServerContext {
  deps: ConsensusDeps;
  principal: Principal;
  /** The request's URL, for the hub subscriptions subscriptions open. */
  url: string;
  /** The tenant's `graphql_introspection` setting. */
  introspection: boolean;
}

export type GraphQLContext = YogaInitialContext & GraphQLServerContext;

/** ApiError codes as the `extensions.code` values GraphQL clients conventionally switch on. */
const GRAPHQL_CODES: Partial<Record<ErrorCode, string>> = {
  invalid_request: "BAD_USER_INPUT",
  malformed_json: "BAD_USER_INPUT",
  missing_credentials: "UNAUTHENTICATED",
  invalid_credentials: "UNAUTHENTICATED",
  unauthorized: "UNAUTHENTICATED",
  forbidden: "FORBIDDEN",
  insufficient_scope: "FORBIDDEN",
  not_found: "NOT_FOUND",
  conflict: "CONFLICT",
  gone: "GONE",
  payload_too_large: "PAYLOAD_TOO_LARGE",
  rate_limited: "RATE_LIMITED",
  service_unavailable: "SERVICE_UNAVAILABLE",
};

/**
 * Failures as GraphQL errors: an ApiError keeps its message and details under its code; anything
 * else is logged and answered as a bare INTERNAL_SERVER_ERROR (its message may hold internals).
 */
export function toGraphQLError(err: unknown, ctx: GraphQLServerContext): GraphQLError {
  if (err instanceof GraphQLError) return err;
  if (err instanceof ApiError)
    return new GraphQLError(err.message, {
      extensions: { code: GRAPHQL_CODES[err.code] ?? "INTERNAL_SERVER_ERROR", ...(err.details && { details: err.details }) },
    });
  ctx.deps.log.error("graphql resolver failed", {
    error: err instanceof Error ? err.message : String(err),
    stack: err instanceof Error ? err.stack : undefined,
  });
  return new GraphQLError("Internal server error", { extensions: { code: "INTERNAL_SERVER_ERROR" } });
}

/** Every resolver runs through here: the consensus family's access check, then the work, with errors mapped. */
export async function guarded<T>(ctx: GraphQLServerContext, access: "read" | "manage", run: () => Promise<T>): Promise<T> {
  try {
    requireConsensusAccess(ctx.principal, access);
    return await run();
  } catch (err) {
    throw toGraphQLError(err, ctx);
  }
}

/** Validates an input with the REST interface's schema, so both interfaces accept exactly the same values. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError("input", parsed.error);
  return parsed.data;
}

/** GraphQL passes an explicit null for an omitted optional argument written as null; zod's optional wants undefined. */
export function defined<T extends Record<string, unknown>>(args: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(args).filter(([, v]) => v !== null)) as { [K in keyof T]: Exclude<T[K], null> };
}
