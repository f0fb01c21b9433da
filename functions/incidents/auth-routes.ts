import { createRoute, z } from "@hono/zod-openapi";
import { API_KEY_SCOPES, USER_ROLES } from "../../schema";
import { createApiKey, revokeApiKey } from "../platform/auth/api-keys";
import { authenticate, principalOf } from "../platform/auth/authenticate";
import { requireScope } from "../platform/auth/principal";
import { checkPassword, INCIDENTS_AUDIENCE, login, refresh, revokeFamily } from "../platform/auth/user-tokens";
import { database } from "../platform/db";
import { incidentsSuccess } from "../platform/envelopes";
import { ApiError } from "../platform/errors";
import { errorResponses, incidentsSuccessSchema, json } from "../platform/openapi";
import { rateLimit } from "../platform/rate-limit/middleware";
import { CREDENTIAL_POLICY, incidentsPolicyFor } from "../platform/rate-limit/policies";
import { createRouter } from "../platform/router";

const TokenPair = z
  .object({ access_token: z.string(), token_type: z.literal("bearer"), expires_in: z.number().int(), refresh_token: z.string() })
  .openapi("TokenPair");
const tags = ["Incident response: authentication"];
export const incidentsSecurity: Record<string, string[]>[] = [{ BearerJWT: [] }, { IncidentsApiKey: [] }, { QecnetSession: [] }];
const security = incidentsSecurity;
const body = <T extends z.ZodType>(schema: T) => ({ required: true, ...json(schema) });

export const incidentsAuth = () =>
  authenticate({ apiKeyHeaders: ["X-API-Key"], jwtAudience: INCIDENTS_AUDIENCE, cookie: "qecnet" });

/** Authentication, then the seed's per-method hourly limit (JWT 1000, API key 5000) for that principal. */
export const incidentsGuard = () => [incidentsAuth(), rateLimit((c) => [incidentsPolicyFor(principalOf(c))])];
const credentialLimit = [rateLimit(CREDENTIAL_POLICY, { by: "ip" })];

const loginRoute = createRoute({
  method: "post",
  path: "/auth/login",
  operationId: "incidentsLogin",
  summary: "Sign in with username and password",
  tags,
  security: [],
  middleware: credentialLimit,
  request: { body: body(z.object({ username: z.string().min(1).max(254), password: z.string().min(1).max(1024) })) },
  responses: {
    200: { description: "Signed in", ...json(incidentsSuccessSchema(TokenPair)) },
    ...errorResponses("incidents", 400, 401, 413, 415, 429, 503),
  },
});

const refreshRoute = createRoute({
  method: "post",
  path: "/auth/refresh",
  operationId: "incidentsRefresh",
  summary: "Rotate a refresh token for a new token pair",
  tags,
  security: [],
  middleware: credentialLimit,
  request: { body: body(z.object({ refresh_token: z.string().min(1).max(200) })) },
  responses: {
    200: { description: "New token pair", ...json(incidentsSuccessSchema(TokenPair)) },
    ...errorResponses("incidents", 400, 401, 413, 415, 429, 503),
  },
});

const logoutRoute = createRoute({
  method: "post",
  path: "/auth/logout",
  operationId: "incidentsLogout",
  summary: "Revoke this sign-in's access and refresh tokens",
  tags,
  security: [{ BearerJWT: [] }],
  middleware: incidentsGuard(),
  responses: {
    200: { description: "Signed out", ...json(incidentsSuccessSchema(z.object({ revoked: z.literal(true) }))) },
    ...errorResponses("incidents", 400, 401, 429, 503),
  },
});

const Me = z
  .object({
    kind: z.string(),
    id: z.string(),
    tenant_id: z.string(),
    method: z.string(),
    role: z.enum(USER_ROLES).nullable(),
    scopes: z.array(z.string()),
    machine: z.string().nullable(),
  })
  .openapi("Principal");

const meRoute = createRoute({
  method: "get",
  path: "/auth/me",
  operationId: "incidentsMe",
  summary: "Who the credentials belong to",
  tags,
  security,
  middleware: incidentsGuard(),
  responses: {
    200: { description: "The caller", ...json(incidentsSuccessSchema(Me)) },
    ...errorResponses("incidents", 401, 429, 503),
  },
});

const NewKey = z.object({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.enum(API_KEY_SCOPES)).min(1),
  header: z.enum(["X-API-Key", "X-Zeq-SM-Key"]).default("X-API-Key"),
  machine: z.string().min(1).max(100).optional(),
});
const CreatedKey = z
  .object({
    id: z.string(),
    key: z.string(),
    name: z.string(),
    header: z.string(),
    scopes: z.array(z.string()),
    machine: z.string().nullable(),
    display_prefix: z.string(),
  })
  .openapi("CreatedApiKey");

const createKeyRoute = createRoute({
  method: "post",
  path: "/api/v1/auth/api-keys",
  operationId: "incidentsCreateApiKey",
  summary: "Create an API key (admins); the key is shown once",
  tags,
  security,
  middleware: incidentsGuard(),
  request: { body: body(NewKey) },
  responses: {
    201: { description: "Created", ...json(incidentsSuccessSchema(CreatedKey)) },
    ...errorResponses("incidents", 400, 401, 403, 413, 415, 429, 503),
  },
});

const revokeKeyRoute = createRoute({
  method: "delete",
  path: "/api/v1/auth/api-keys/{keyId}",
  operationId: "incidentsRevokeApiKey",
  summary: "Revoke an API key (admins)",
  tags,
  security,
  middleware: incidentsGuard(),
  request: { params: z.object({ keyId: z.string().max(64) }) },
  responses: {
    200: { description: "Revoked", ...json(incidentsSuccessSchema(z.object({ id: z.string(), revoked: z.literal(true) }))) },
    ...errorResponses("incidents", 401, 403, 404, 429, 503),
  },
});

const badLogin = () => new ApiError("invalid_credentials", "Invalid username or password");

export function incidentsAuthRoutes() {
  return createRouter()
    .openapi(loginRoute, async (c) => {
      const { username, password } = c.req.valid("json");
      const db = database(c.env.DB);
      const user = await checkPassword(db, username, password);
      if (!user) throw badLogin();
      return incidentsSuccess(c, await login(db, c.env.AUTH_SECRET, user), 200);
    })
    .openapi(refreshRoute, async (c) => {
      const outcome = await refresh(database(c.env.DB), c.env.AUTH_SECRET, c.req.valid("json").refresh_token);
      if (!outcome.ok) {
        if (outcome.reuse) c.get("log").warn("refresh token reuse: token family revoked");
        throw new ApiError("invalid_credentials", "Invalid, expired or already used refresh token");
      }
      return incidentsSuccess(c, outcome.tokens, 200);
    })
    .openapi(logoutRoute, async (c) => {
      const p = principalOf(c);
      if (p.method !== "jwt" || !p.sessionId)
        throw new ApiError("invalid_request", "Logout ends a bearer-token sign-in; API keys are revoked instead");
      await revokeFamily(database(c.env.DB), p.sessionId, "logout");
      return incidentsSuccess(c, { revoked: true as const }, 200);
    })
    .openapi(meRoute, (c) => {
      const p = principalOf(c);
      return incidentsSuccess(
        c,
        {
          kind: p.kind,
          id: p.id,
          tenant_id: p.tenantId,
          method: p.method,
          role: p.role,
          scopes: [...p.scopes],
          machine: p.machine,
        },
        200,
      );
    })
    .openapi(createKeyRoute, async (c) => {
      const p = principalOf(c);
      requireScope(p, "admin");
      const key = await createApiKey(database(c.env.DB), p.tenantId, c.req.valid("json"), {
        name: `${p.kind}:${p.id}`,
        requestId: c.get("requestId"),
      });
      return incidentsSuccess(c, key, 201);
    })
    .openapi(revokeKeyRoute, async (c) => {
      const p = principalOf(c);
      requireScope(p, "admin");
      const { keyId } = c.req.valid("param");
      await revokeApiKey(database(c.env.DB), p.tenantId, keyId, { name: `${p.kind}:${p.id}`, requestId: c.get("requestId") });
      return incidentsSuccess(c, { id: keyId, revoked: true as const }, 200);
    });
}
