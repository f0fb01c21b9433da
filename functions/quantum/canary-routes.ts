import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { onRejectedCredentials, principalOf } from "../platform/auth/authenticate";
import { database } from "../platform/db";
import { fromBase64 } from "../platform/crypto";
import { errorResponses, json } from "../platform/openapi";
import { createRouter } from "../platform/router";
import type { AppEnv } from "../platform/types";
import * as S from "./canary/schemas";
import { collapseTest, deployToken, listTokens, tokenStatus } from "./canary/tokens";
import { tripDecoy, tripMonitor, visitorOf } from "./canary/tripwire";
import { quantumGuard, quantumSecurity } from "./guard";

const BASE = "/v3/quantum/canary/tokens";
const security = quantumSecurity();
const common = {
  tags: ["Quantum defense: canary tokens"],
  security,
  middleware: quantumGuard(),
};
const params = S.TokenParams;

const routes = {
  deploy: createRoute({
    ...common,
    method: "post",
    path: BASE,
    operationId: "deployCanaryToken",
    summary: "Deploy a canary token: a monitoring URL and a decoy credential, with a simulated BB84/Bell state",
    request: { body: { required: true, ...json(S.DeploySchema) } },
    responses: {
      201: { description: "Canary token deployed", ...json(S.DeployedSchema) },
      ...errorResponses("quantum", 400, 401, 403, 413, 415, 429, 503),
    },
  }),
  list: createRoute({
    ...common,
    method: "get",
    path: BASE,
    operationId: "listCanaryTokens",
    summary: "The tenant's canary tokens, newest first",
    request: { query: S.ListQuerySchema },
    responses: {
      200: { description: "Tokens", ...json(z.object({ tokens: z.array(S.TokenSchema) })) },
      ...errorResponses("quantum", 400, 401, 403, 429, 503),
    },
  }),
  status: createRoute({
    ...common,
    method: "get",
    path: `${BASE}/{token_id}/status`,
    operationId: "canaryTokenStatus",
    summary: "A token's state: hits, alerts, and the last check's QBER and CHSH S",
    request: { params },
    responses: {
      200: { description: "Token status", ...json(S.StatusSchema) },
      ...errorResponses("quantum", 400, 401, 403, 404, 429, 503),
    },
  }),
  test: createRoute({
    ...common,
    method: "post",
    path: `${BASE}/{token_id}/test`,
    operationId: "triggerCanaryCollapseTest",
    summary: "Collapse test: simulate an intercept-resend eavesdropper and raise a test-flagged trigger",
    request: { params },
    responses: {
      200: { description: "Test result", ...json(S.TestResultSchema) },
      ...errorResponses("quantum", 400, 401, 403, 404, 429, 503),
    },
  }),
};

/** A transparent 1×1 GIF: what a web bug answers, so the URL looks like nothing worth noticing. */
const PIXEL = new Uint8Array(fromBase64("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"));

/**
 * The monitoring URL. Deliberately left out of the OpenAPI document (an intruder reading the API
 * reference should not learn which URLs are traps) and answering every method, every token, known
 * or not, with the same pixel at once; the lookup and alert run after the response.
 */
function tripwire(c: Context<AppEnv>) {
  const token = c.req.param("token") ?? "";
  c.executionCtx.waitUntil(
    tripMonitor(c, token).catch((err) => c.get("log").error("canary hit not recorded", { error: String(err) })),
  );
  return c.body(PIXEL, 200, { "Content-Type": "image/gif", "Cache-Control": "no-store" });
}

const deps = (c: Context<AppEnv>) => ({ env: c.env, db: database(c.env.DB), log: c.get("log") });
const origin = (c: Context<AppEnv>) => new URL(c.req.url).origin;

export function canaryRoutes() {
  // Mounting the canary routes arms the decoy-credential tripwire on every authenticated route.
  onRejectedCredentials(tripDecoy);
  return createRouter()
    .openapi(routes.deploy, async (c) => c.json(await deployToken(deps(c), principalOf(c), c.req.valid("json"), origin(c)), 201))
    .openapi(routes.list, async (c) => c.json(await listTokens(deps(c), principalOf(c), c.req.valid("query"), origin(c)), 200))
    .openapi(routes.status, async (c) =>
      c.json(await tokenStatus(deps(c), principalOf(c), c.req.valid("param").token_id, origin(c)), 200),
    )
    .openapi(routes.test, async (c) =>
      c.json(await collapseTest(deps(c), principalOf(c), c.req.valid("param").token_id, visitorOf(c)), 200),
    )
    .all("/c/:token", tripwire);
}
