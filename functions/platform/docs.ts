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

/** /openapi.json is generated from the route definitions; /docs and /redoc render it. */
export function installDocs(app: Router): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "AdminBearer", {
    type: "http",
    scheme: "bearer",
    description: "Authorization: Bearer <ADMIN_TOKEN>",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: OPENAPI_INFO,
    servers: [{ url: "/", description: "The deployment serving this document" }],
  });
  app.get("/docs", swaggerUI({ url: "/openapi.json", title: "Vigil API" }));
  app.get("/redoc", (c) => c.html(REDOC_PAGE));
}
