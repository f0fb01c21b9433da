import { createRoute, z } from "@hono/zod-openapi";
import { API_KEY_HEADERS, API_KEY_SCOPES, TIERS, USER_ROLES } from "../../schema";
import { createApiKey, revokeApiKey } from "../platform/auth/api-keys";
import { mintAuthCode } from "../platform/auth/auth-codes";
import { createOAuthClient, revokeOAuthClient } from "../platform/auth/oauth-clients";
import { database } from "../platform/db";
import { json, problemResponses } from "../platform/openapi";
import { createRouter } from "../platform/router";
import { adminActor, requireAdmin } from "./auth";
import { adminCommon, tenantIdSchema, TenantIdParam } from "./schemas";
import { requireTenant } from "./tenants";

const common = adminCommon;
const tenantId = tenantIdSchema;
const TenantParam = TenantIdParam;
const body = <T extends z.ZodType>(schema: T) => ({ required: true, ...json(schema) });

const authCodeRoute = createRoute({
  ...common,
  method: "post",
  path: "/tenants/{tenantId}/auth-codes",
  operationId: "adminMintAuthCode",
  summary: "Mint a one-time command-console authorization code (10 minutes)",
  request: {
    params: TenantParam,
    body: {
      required: false,
      ...json(z.object({ role: z.enum(USER_ROLES).default("responder"), user_id: z.string().max(64).optional() })),
    },
  },
  responses: {
    201: { description: "Minted; shown once", ...json(z.object({ code: z.string(), expires_at: z.string() })) },
    ...problemResponses(400, 401, 404),
  },
});

const apiKeyRoute = createRoute({
  ...common,
  method: "post",
  path: "/tenants/{tenantId}/api-keys",
  operationId: "adminCreateApiKey",
  summary: "Create an API key; the key is shown once",
  request: {
    params: TenantParam,
    body: body(
      z.object({
        name: z.string().trim().min(1).max(100),
        scopes: z.array(z.enum(API_KEY_SCOPES)).min(1),
        header: z.enum(API_KEY_HEADERS).default("X-API-Key"),
        machine: z.string().min(1).max(100).optional(),
      }),
    ),
  },
  responses: {
    201: { description: "Created", ...json(z.object({ id: z.string(), key: z.string(), scopes: z.array(z.string()) })) },
    ...problemResponses(400, 401, 404, 413, 415),
  },
});

const revokeKeyRoute = createRoute({
  ...common,
  method: "delete",
  path: "/tenants/{tenantId}/api-keys/{keyId}",
  operationId: "adminRevokeApiKey",
  summary: "Revoke an API key",
  request: { params: z.object({ tenantId, keyId: z.string().max(64) }) },
  responses: { 204: { description: "Revoked" }, ...problemResponses(400, 401, 404) },
});

const clientRoute = createRoute({
  ...common,
  method: "post",
  path: "/tenants/{tenantId}/oauth-clients",
  operationId: "adminCreateOAuthClient",
  summary: "Register a quantum-defense OAuth client; the secret is shown once",
  request: {
    params: TenantParam,
    body: body(
      z.object({
        tier: z.enum(TIERS),
        scopes: z
          .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, "must be an RFC 6749 scope token"))
          .min(1)
          .max(50),
        cert_fingerprint: z
          .string()
          .regex(/^([0-9a-fA-F]{2}:?){31}[0-9a-fA-F]{2}$/, "must be a SHA-256 fingerprint in hex")
          .optional(),
      }),
    ),
  },
  responses: {
    201: {
      description: "Created",
      ...json(z.object({ client_id: z.string(), client_secret: z.string(), tier: z.enum(TIERS), scopes: z.array(z.string()) })),
    },
    ...problemResponses(400, 401, 404, 409, 413, 415),
  },
});

const revokeClientRoute = createRoute({
  ...common,
  method: "delete",
  path: "/tenants/{tenantId}/oauth-clients/{clientId}",
  operationId: "adminRevokeOAuthClient",
  summary: "Revoke an OAuth client",
  request: { params: z.object({ tenantId, clientId: z.string().max(64) }) },
  responses: { 204: { description: "Revoked" }, ...problemResponses(400, 401, 404) },
});

export function adminCredentialRoutes() {
  const app = createRouter();
  app.use("*", requireAdmin());
  return app
    .openapi(authCodeRoute, async (c) => {
      const db = database(c.env.DB);
      const { tenantId } = c.req.valid("param");
      await requireTenant(db, tenantId);
      const { role, user_id } = c.req.valid("json");
      return c.json(await mintAuthCode(db, tenantId, { role, userId: user_id ?? null }, adminActor(c.get("requestId"))), 201);
    })
    .openapi(apiKeyRoute, async (c) => {
      const db = database(c.env.DB);
      const { tenantId } = c.req.valid("param");
      await requireTenant(db, tenantId);
      return c.json(await createApiKey(db, tenantId, c.req.valid("json"), adminActor(c.get("requestId"))), 201);
    })
    .openapi(revokeKeyRoute, async (c) => {
      const { tenantId, keyId } = c.req.valid("param");
      await revokeApiKey(database(c.env.DB), tenantId, keyId, adminActor(c.get("requestId")));
      return c.body(null, 204);
    })
    .openapi(clientRoute, async (c) => {
      const db = database(c.env.DB);
      const { tenantId } = c.req.valid("param");
      await requireTenant(db, tenantId);
      const input = c.req.valid("json");
      const created = await createOAuthClient(
        db,
        c.env.AUTH_SECRET,
        tenantId,
        { ...input, certFingerprint: input.cert_fingerprint },
        adminActor(c.get("requestId")),
      );
      return c.json(created, 201);
    })
    .openapi(revokeClientRoute, async (c) => {
      const { tenantId, clientId } = c.req.valid("param");
      await revokeOAuthClient(database(c.env.DB), tenantId, clientId, adminActor(c.get("requestId")));
      return c.body(null, 204);
    });
}
