import { createRoute, z } from "@hono/zod-openapi";
import { principalOf } from "../platform/auth/authenticate";
import { database } from "../platform/db";
import { errorResponses, json } from "../platform/openapi";
import { rateLimit } from "../platform/rate-limit/middleware";
import { COMMAND_POLICIES } from "../platform/rate-limit/policies";
import { createRouter } from "../platform/router";
import { commandAuth } from "./events-routes";
import { requireCommander } from "./mesh-routes";
import { listKeys, rotateKeys } from "./mesh-keys";

const tags = ["Command console: mesh"];
const security: Record<string, string[]>[] = [{ QecnetSession: [] }, { BearerJWT: [] }, { IncidentsApiKey: [] }];

const rotateRoute = createRoute({
  method: "post",
  path: "/api/rotate-keys",
  operationId: "commandRotateKeys",
  tags,
  security,
  summary: "Rotate the mesh signing key (hybrid Ed25519 + ML-DSA-65); the previous key stays valid for a grace period",
  middleware: [commandAuth(), rateLimit(COMMAND_POLICIES.rotateKeys)],
  responses: {
    200: {
      description: "Rotated",
      ...json(
        z.object({
          success: z.literal(true),
          newKeyFingerprint: z.string(),
          rotatedAt: z.string(),
          nodesUpdated: z.number().int(),
        }),
      ),
    },
    ...errorResponses("command", 401, 403, 429, 503),
  },
});

const Key = z
  .object({
    id: z.string(),
    fingerprint: z.string(),
    status: z.enum(["current", "grace", "retired"]),
    ed25519Public: z.string().openapi({ description: "raw public key, base64" }),
    mldsa65Public: z.string().openapi({ description: "FIPS 204 ML-DSA-65 public key, base64" }),
    createdAt: z.string(),
    retiredAt: z.string().nullable(),
    graceUntil: z.string().nullable(),
  })
  .openapi("MeshKey");

const listRoute = createRoute({
  method: "get",
  path: "/api/mesh/keys",
  operationId: "meshKeys",
  tags,
  security,
  summary: "Mesh signing key history with the public keys, newest first",
  middleware: [commandAuth(), rateLimit(COMMAND_POLICIES.mesh)],
  responses: {
    200: { description: "Keys", ...json(z.object({ keys: z.array(Key) })) },
    ...errorResponses("command", 401, 429, 503),
  },
});

export function commandKeyRoutes() {
  return createRouter()
    .openapi(rotateRoute, async (c) => {
      const p = principalOf(c);
      requireCommander(p);
      return c.json(await rotateKeys(c.env, database(c.env.DB), p, c.get("log")), 200);
    })
    .openapi(listRoute, async (c) => c.json({ keys: await listKeys(database(c.env.DB), principalOf(c).tenantId) }, 200));
}
