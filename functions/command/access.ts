import type { z } from "@hono/zod-openapi";
import { authenticate } from "../platform/auth/authenticate";
import { requireRole, requireScope, type Principal } from "../platform/auth/principal";
import { INCIDENTS_AUDIENCE } from "../platform/auth/user-tokens";
import { json } from "../platform/openapi";
import { rateLimit } from "../platform/rate-limit/middleware";
import type { Policy } from "../platform/rate-limit/policies";

/** The console's session cookie, or a signed-in user's JWT, or an incident-response API key. */
export const commandAuth = () =>
  authenticate({ cookie: "qecnet", jwtAudience: INCIDENTS_AUDIENCE, apiKeyHeaders: ["X-API-Key"] });

/** OpenAPI security requirement shared by every command console route. */
export const commandSecurity: Record<string, string[]>[] = [{ QecnetSession: [] }, { BearerJWT: [] }, { IncidentsApiKey: [] }];

/** Authenticate, then count against the route's rate-limit policy. */
export const guarded = (policy: Policy) => [commandAuth(), rateLimit(policy)];

export const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, ...json(schema) });

/** Commands change the network: a responder or above (users), or a write-scoped key. */
export function requireCommander(p: Principal) {
  if (p.role) requireRole(p, "responder");
  else requireScope(p, "write");
}
