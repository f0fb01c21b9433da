import { swaggerUI } from "@hono/swagger-ui";
import type { Router } from "./router";

const REDOC_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Vigil API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><redoc spec-url="/openapi.json"></redoc>
<script src="https://cdn.redoc.ly/redoc/latest/bundles/redoc.standalone.js"></script></body>
</html>`;

export const OPENAPI_INFO = {
  title: "Vigil",
  version: "0.1.0",
  description:
    "Edge-native security operations: the command console (/api), endpoint agent claims (/api/av), " +
    "quantum defense (/v3) and incident response (/auth, /api/v1) over one event pipeline.",
  license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
};

const SECURITY_SCHEMES = {
  AdminBearer: { type: "http", scheme: "bearer", description: "Authorization: Bearer <ADMIN_TOKEN>" },
  BearerJWT: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "Access token from /auth/login (EdDSA; keys at /.well-known/jwks.json)",
  },
  IncidentsApiKey: {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
    description: "Incident-response API key (also accepted as Authorization: Bearer)",
  },
  QecnetSession: {
    type: "apiKey",
    in: "cookie",
    name: "qecnet_session",
    description: "Command-console session from POST /api/auth",
  },
  ZeqSession: {
    type: "apiKey",
    in: "cookie",
    name: "zeq_auth_token",
    description: "Machine-owner session from POST /api/av/auth/login",
  },
  ZeqSmKey: {
    type: "apiKey",
    in: "header",
    name: "X-Zeq-SM-Key",
    description: "Agent-claims key (zsm_…), bound to one machine",
  },
  OAuthClientBasic: { type: "http", scheme: "basic", description: "OAuth client_id:client_secret at the token endpoint" },
  QuantumOAuth: {
    type: "oauth2",
    description: "Quantum defense: an access token from the client-credentials grant",
    flows: {
      clientCredentials: {
        tokenUrl: "/v3/oauth/token",
        scopes: {
          "quantum:read": "Read quantum defense resources",
          "quantum:write": "Change quantum defense resources (webhooks, canaries)",
          "consensus:manage": "Propose values and manage agents",
        },
      },
    },
  },
  QuantumSignedRequest: {
    type: "apiKey",
    in: "header",
    name: "X-Signature",
    description: "HMAC-SHA256 request signature, with X-Client-ID and X-Timestamp",
  },
} as const;

/** /openapi.json is generated from the route definitions; /docs and /redoc render it. */
export function installDocs(app: Router): void {
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES))
    app.openAPIRegistry.registerComponent("securitySchemes", name, scheme);
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: OPENAPI_INFO,
    servers: [{ url: "/", description: "The deployment serving this document" }],
  });
  app.get("/docs", swaggerUI({ url: "/openapi.json", title: "Vigil API" }));
  app.get("/redoc", (c) => c.html(REDOC_PAGE));
}
