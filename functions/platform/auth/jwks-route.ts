import { createRoute, z } from "@hono/zod-openapi";
import { json, problemResponses } from "../openapi";
import { createRouter } from "../router";
import { jwks } from "./jwt";

const jwksRoute = createRoute({
  method: "get",
  path: "/.well-known/jwks.json",
  operationId: "jwks",
  tags: ["Platform"],
  security: [],
  summary: "Public keys that verify Vigil's access tokens (current and previous epoch)",
  responses: {
    200: {
      description: "JSON Web Key Set (RFC 7517)",
      ...json(
        z.object({
          keys: z.array(
            z
              .object({ kty: z.string(), crv: z.string(), x: z.string(), kid: z.string(), alg: z.string(), use: z.string() })
              .partial(),
          ),
        }),
      ),
    },
    ...problemResponses(403),
  },
});

export function jwksRoutes() {
  return createRouter().openapi(jwksRoute, async (c) => {
    c.header("Cache-Control", "public, max-age=300");
    return c.json(await jwks(c.env.AUTH_SECRET), 200);
  });
}
