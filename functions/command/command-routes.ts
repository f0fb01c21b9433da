import { createRoute, z } from "@hono/zod-openapi";
import { principalOf } from "../platform/auth/authenticate";
import { database } from "../platform/db";
import { errorResponses, json } from "../platform/openapi";
import { COMMAND_POLICIES } from "../platform/rate-limit/policies";
import { createRouter } from "../platform/router";
import { commandSecurity as security, guarded, requireCommander } from "./access";
import { listKeys, rotateKeys } from "./mesh-keys";
import { correlateEvents } from "./correlate";
import { requireScope } from "../platform/auth/principal";

const tags = ["Command console: mesh"];

const rotateRoute = createRoute({
  method: "post",
  path: "/api/rotate-keys",
  operationId: "commandRotateKeys",
  tags,
  security,
  summary: "Rotate the mesh signing key (hybrid Ed25519 + ML-DSA-65); the previous key stays valid for a grace period",
  middleware: guarded(COMMAND_POLICIES.rotateKeys),
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
  middleware: guarded(COMMAND_POLICIES.mesh),
  responses: {
    200: { description: "Keys", ...json(z.object({ keys: z.array(Key) })) },
    ...errorResponses("command", 401, 429, 503),
  },
});

const correlateRoute = createRoute({
  method: "post",
  path: "/api/correlate",
  operationId: "commandCorrelate",
  tags: ["Command console"],
  security,
  summary:
    "Explainable temporal correlation of 2–500 events: threat vector, certainty 0–100, a concrete command, and the factors behind them",
  middleware: guarded(COMMAND_POLICIES.correlate),
  request: {
    body: {
      required: true,
      ...json(z.object({ eventIds: z.array(z.string().min(1).max(100)).min(2, "correlating needs at least 2 events").max(500) })),
    },
  },
  responses: {
    200: {
      description: "Correlation",
      ...json(
        z.object({
          id: z.string(),
          timestamp: z.number().int(),
          eventIds: z.array(z.string()),
          threatVector: z.string(),
          certainty: z.number().int().min(0).max(100),
          recommendation: z.string(),
          factors: z.array(z.object({ name: z.string(), weight: z.number(), score: z.number(), evidence: z.string() })),
        }),
      ),
    },
    ...errorResponses("command", 400, 401, 404, 413, 415, 429, 503),
  },
});

export function commandOperationRoutes() {
  return createRouter()
    .openapi(rotateRoute, async (c) => {
      const p = principalOf(c);
      requireCommander(p);
      return c.json(await rotateKeys(c.env, database(c.env.DB), p, c.get("log")), 200);
    })
    .openapi(listRoute, async (c) => c.json({ keys: await listKeys(database(c.env.DB), principalOf(c).tenantId) }, 200))
    .openapi(correlateRoute, async (c) => {
      const p = principalOf(c);
      requireScope(p, "read");
      const result = await correlateEvents(c.env, database(c.env.DB), p.tenantId, c.req.valid("json").eventIds, c.get("log"));
      // Only automatic correlations can collide (one per trigger event); a request always stores its own.
      if (!result) throw new Error("correlation was not stored");
      return c.json(result, 200);
    });
}
