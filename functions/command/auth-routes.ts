import { createRoute, z } from "@hono/zod-openapi";
import { redeemAuthCode } from "../platform/auth/auth-codes";
import { currentSession, endSession, setSessionCookie } from "../platform/auth/cookies";
import { createSession } from "../platform/auth/sessions";
import { database } from "../platform/db";
import { ApiError } from "../platform/errors";
import { errorResponses, json } from "../platform/openapi";
import { COMMAND_POLICIES } from "../platform/rate-limit/policies";
import { rateLimit } from "../platform/rate-limit/middleware";
import { createRouter } from "../platform/router";

/** The seed's /api/auth limit (5 a minute, sliding), per client IP: nobody is signed in yet. */
const limited = [rateLimit(COMMAND_POLICIES.auth, { by: "ip" })];

const tags = ["Command console"];
const Authorized = z.object({ authorized: z.boolean() }).openapi("Authorized");

const exchangeRoute = createRoute({
  method: "post",
  path: "/api/auth",
  operationId: "commandAuthExchange",
  tags,
  security: [],
  middleware: limited,
  summary: "Exchange a one-time authorization code for the qecnet_session cookie",
  request: { body: { required: true, ...json(z.object({ code: z.string().min(1).max(200) })) } },
  responses: {
    200: { description: "Authorized; sets the HttpOnly qecnet_session cookie (24 h, no renewal)", ...json(Authorized) },
    ...errorResponses("command", 400, 401, 413, 415, 429, 503),
  },
});

const checkRoute = createRoute({
  method: "get",
  path: "/api/auth",
  operationId: "commandAuthCheck",
  tags,
  security: [{ QecnetSession: [] }],
  middleware: limited,
  summary: "Whether the current session is valid",
  responses: { 200: { description: "Session validity", ...json(Authorized) }, ...errorResponses("command", 403, 429, 503) },
});

const logoutRoute = createRoute({
  method: "delete",
  path: "/api/auth",
  operationId: "commandAuthLogout",
  tags,
  security: [{ QecnetSession: [] }],
  middleware: limited,
  summary: "End the current session (server-side revocation) and clear the cookie",
  responses: { 200: { description: "Signed out", ...json(Authorized) }, ...errorResponses("command", 403, 429, 503) },
});

export function commandAuthRoutes() {
  return createRouter()
    .openapi(exchangeRoute, async (c) => {
      const db = database(c.env.DB);
      const grant = await redeemAuthCode(db, c.req.valid("json").code);
      if (!grant) throw new ApiError("invalid_credentials", "Invalid authorization code");
      const session = await createSession(db, c.env.AUTH_SECRET, {
        tenantId: grant.tenantId,
        kind: "qecnet",
        role: grant.role,
        userId: grant.userId,
      });
      setSessionCookie(c, "qecnet", session.cookie);
      return c.json({ authorized: true }, 200);
    })
    .openapi(checkRoute, async (c) => c.json({ authorized: (await currentSession(c, "qecnet")) !== null }, 200))
    .openapi(logoutRoute, async (c) => {
      await endSession(c, "qecnet");
      return c.json({ authorized: false }, 200);
    });
}
