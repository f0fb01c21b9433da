import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { principalOf } from "../platform/auth/authenticate";
import type { Principal } from "../platform/auth/principal";
import { requireQuantumScope } from "./detection/access";
import { database } from "../platform/db";
import { errorResponses, json } from "../platform/openapi";
import { createRouter } from "../platform/router";
import type { AppEnv } from "../platform/types";
import { reconstructData } from "./fragmentation/reconstruct";
import * as S from "./fragmentation/schemas";
import { extendLifetime, fragmentData, type FragmentDeps } from "./fragmentation/service";
import { quantumGuard, quantumSecurity } from "./guard";

const common = {
  tags: ["Quantum defense: temporal fragmentation"],
  security: quantumSecurity(),
  middleware: quantumGuard(),
};

/** The shared error schemas stop at 409; 410 reuses the family's error body with its own description. */
const gone = { 410: { ...errorResponses("quantum", 404)[404], description: "The fragments have expired and were destroyed" } };

const fragmentRoute = createRoute({
  ...common,
  method: "post",
  path: "/v3/fragmentation/fragment",
  operationId: "quantumFragment",
  summary: "Encrypt data, split its key into Shamir shares and keep each in its own expiring Durable Object",
  request: { body: { required: true, ...json(S.FragmentRequest) } },
  responses: {
    201: { description: "Fragmented", ...json(S.FragmentResponse) },
    ...errorResponses("quantum", 400, 401, 403, 413, 415, 429, 503),
  },
});

const reconstructRoute = createRoute({
  ...common,
  method: "post",
  path: "/v3/fragmentation/reconstruct",
  operationId: "quantumReconstruct",
  summary: "Rebuild the data from any threshold of verified fragments; tampered ones are named and left out",
  request: { body: { required: true, ...json(S.ReconstructRequest) } },
  responses: {
    200: { description: "Reconstructed", ...json(S.ReconstructResponse) },
    ...errorResponses("quantum", 400, 401, 403, 404, 409, 415, 429, 503),
    ...gone,
  },
});

const lifetimeRoute = createRoute({
  ...common,
  method: "patch",
  path: "/v3/fragmentation/fragments/{parent_id}/lifetime",
  operationId: "quantumExtendFragmentLifetime",
  summary: "Extend every live fragment of a set before it expires",
  request: { params: S.ParentParams, body: { required: true, ...json(S.LifetimeRequest) } },
  responses: {
    200: { description: "Extended", ...json(S.LifetimeResponse) },
    ...errorResponses("quantum", 400, 401, 403, 404, 415, 429, 503),
    ...gone,
  },
});

/** Fragmenting and extending need `quantum:write`; reconstructing needs `quantum:read` (write implies it). */
function requireQuantum(p: Principal, access: "read" | "write"): Principal {
  requireQuantumScope(p, access === "read" ? "quantum:read" : "quantum:write");
  return p;
}

const depsOf = (c: Context<AppEnv>): FragmentDeps => ({
  db: database(c.env.DB),
  vault: c.env.FRAGMENT_VAULT,
  secret: c.env.AUTH_SECRET,
  log: c.get("log"),
});

export function fragmentationRoutes() {
  return createRouter()
    .openapi(fragmentRoute, async (c) => {
      const p = requireQuantum(principalOf(c), "write");
      return c.json(await fragmentData(depsOf(c), p.tenantId, c.req.valid("json")), 201);
    })
    .openapi(reconstructRoute, async (c) => {
      const p = requireQuantum(principalOf(c), "read");
      return c.json(await reconstructData(depsOf(c), p.tenantId, c.req.valid("json").parent_id), 200);
    })
    .openapi(lifetimeRoute, async (c) => {
      const p = requireQuantum(principalOf(c), "write");
      const { parent_id } = c.req.valid("param");
      return c.json(await extendLifetime(depsOf(c), p.tenantId, parent_id, c.req.valid("json").additional_ms), 200);
    });
}
