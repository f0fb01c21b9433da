import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ACCESS_TOKEN_TTL_S, signAccessToken } from "../platform/auth/jwt";
import { authenticateClient, clientByFingerprint, type OAuthClient } from "../platform/auth/oauth-clients";
import { database } from "../platform/db";
import { errorResponses, json } from "../platform/openapi";
import { rateLimit } from "../platform/rate-limit/middleware";
import { CREDENTIAL_POLICY } from "../platform/rate-limit/policies";
import { createRouter } from "../platform/router";
import type { AppEnv } from "../platform/types";
import { verifiedClientCertificate } from "./mtls";

export const QUANTUM_AUDIENCE = "vigil:quantum";

const TokenResponse = z
  .object({ access_token: z.string(), token_type: z.literal("Bearer"), expires_in: z.number().int(), scope: z.string() })
  .openapi("OAuthTokenResponse");
const OAuthError = z.object({ error: z.string(), error_description: z.string() }).openapi("OAuthError");

/** Basic, or none (body credentials and mTLS are not expressible as OpenAPI security schemes). */
const TOKEN_SECURITY: Record<string, string[]>[] = [{ OAuthClientBasic: [] }, {}];

const tokenRoute = createRoute({
  method: "post",
  path: "/v3/oauth/token",
  operationId: "quantumOAuthToken",
  tags: ["Quantum defense: authentication"],
  summary: "OAuth 2.0 client credentials grant (RFC 6749 §4.4); client auth by HTTP Basic, body credentials or mTLS",
  security: TOKEN_SECURITY,
  middleware: [rateLimit(CREDENTIAL_POLICY, { by: "ip" })] as const,
  request: {
    body: {
      required: true,
      content: {
        "application/x-www-form-urlencoded": {
          // Every field optional here: the handler answers RFC 6749 errors itself.
          schema: z.object({
            grant_type: z.string().optional(),
            scope: z.string().optional(),
            client_id: z.string().optional(),
            client_secret: z.string().optional(),
          }),
        },
      },
    },
  },
  responses: {
    200: { description: "Access token (JWT, 1 hour)", ...json(TokenResponse) },
    400: { description: "RFC 6749 §5.2 error", ...json(OAuthError) },
    401: { description: "invalid_client", ...json(OAuthError) },
    ...errorResponses("quantum", 413, 415, 429, 503),
  },
});

type OAuthErrorCode = "invalid_request" | "invalid_client" | "unsupported_grant_type" | "invalid_scope";

function oauthError(c: Context<AppEnv>, error: OAuthErrorCode, description: string, basic = false) {
  c.header("Cache-Control", "no-store");
  c.header("Pragma", "no-cache");
  if (error === "invalid_client" && basic) c.header("WWW-Authenticate", 'Basic realm="vigil-oauth"');
  return c.json({ error, error_description: description }, error === "invalid_client" ? 401 : 400);
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
function basicCredentials(c: Context): { id: string; secret: string } | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(c.req.header("Authorization") ?? "");
  if (!match?.[1]) return null;
  let decoded: string;
  try {
    decoded = atob(match[1]);
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  try {
    return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
  } catch {
    return null;
  }
}

type Form = { grant_type?: string; scope?: string; client_id?: string; client_secret?: string };

async function authenticate(c: Context<AppEnv>, form: Form): Promise<OAuthClient | null> {
  const db = database(c.env.DB);
  const basic = basicCredentials(c);
  if (basic) return authenticateClient(db, basic.id, basic.secret);
  if (form.client_id && form.client_secret) return authenticateClient(db, form.client_id, form.client_secret);
  const fingerprint = verifiedClientCertificate(c);
  if (fingerprint) {
    const client = await clientByFingerprint(db, fingerprint);
    return client && (!form.client_id || form.client_id === client.id) ? client : null;
  }
  return null;
}

export function quantumOAuthRoutes() {
  return createRouter().openapi(tokenRoute, async (c) => {
    const form: Form = c.req.valid("form");
    if (form.grant_type === undefined) return oauthError(c, "invalid_request", "grant_type is required");
    if (form.grant_type !== "client_credentials")
      return oauthError(c, "unsupported_grant_type", "Only client_credentials is supported");
    const client = await authenticate(c, form);
    if (!client) return oauthError(c, "invalid_client", "Client authentication failed", Boolean(c.req.header("Authorization")));
    const requested = form.scope === undefined ? client.scopes : form.scope.split(" ").filter(Boolean);
    const refused = requested.filter((s) => !client.scopes.includes(s));
    if (refused.length) return oauthError(c, "invalid_scope", `Scopes not granted to this client: ${refused.join(" ")}`);
    const scope = requested.join(" ");
    const token = await signAccessToken(c.env.AUTH_SECRET, QUANTUM_AUDIENCE, {
      sub: client.id,
      tid: client.tenantId,
      pk: "oauth_client",
      scope,
      tier: client.tier,
    });
    c.header("Cache-Control", "no-store");
    c.header("Pragma", "no-cache");
    return c.json({ access_token: token, token_type: "Bearer" as const, expires_in: ACCESS_TOKEN_TTL_S, scope }, 200);
  });
}
