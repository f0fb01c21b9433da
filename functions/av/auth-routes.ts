import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { endSession, setSessionCookie } from "../platform/auth/cookies";
import { createSession } from "../platform/auth/sessions";
import { checkPassword } from "../platform/auth/user-tokens";
import { database } from "../platform/db";
import { ApiError } from "../platform/errors";
import { errorResponses, json } from "../platform/openapi";
import { rateLimit } from "../platform/rate-limit/middleware";
import { CREDENTIAL_POLICY } from "../platform/rate-limit/policies";
import { createRouter } from "../platform/router";
import type { AppEnv } from "../platform/types";

const tags = ["Endpoint agent claims"];

const loginRoute = createRoute({
  method: "post",
  path: "/api/av/auth/login",
  operationId: "avOwnerLogin",
  tags,
  security: [],
  middleware: [rateLimit(CREDENTIAL_POLICY, { by: "ip" })] as const,
  summary: "Machine owners sign in; sets the HttpOnly zeq_auth_token cookie",
  request: {
    body: { required: true, ...json(z.object({ username: z.string().min(1).max(254), password: z.string().min(1).max(1024) })) },
  },
  responses: {
    200: { description: "Signed in", ...json(z.object({ ok: z.literal(true), expires_at: z.string() })) },
    ...errorResponses("av", 400, 401, 413, 415, 429, 503),
  },
});

/** The same sign-in at the path the agent-claims docs use. */
const loginAliasRoute = createRoute({ ...loginRoute, path: "/api/av/login", operationId: "avOwnerLoginAlias" });

const logoutRoute = createRoute({
  method: "post",
  path: "/api/av/auth/logout",
  operationId: "avOwnerLogout",
  tags,
  security: [{ ZeqSession: [] }],
  summary: "End the owner session and clear the cookie",
  responses: { 200: { description: "Signed out", ...json(z.object({ ok: z.literal(true) })) }, ...errorResponses("av", 403) },
});

export function avAuthRoutes() {
  const login = async (c: Context<AppEnv>, body: { username: string; password: string }) => {
    const { username, password } = body;
    const db = database(c.env.DB);
    const user = await checkPassword(db, username, password);
    if (!user) throw new ApiError("unauthorized", "Invalid username or password");
    const session = await createSession(db, c.env.AUTH_SECRET, {
      tenantId: user.tenantId,
      kind: "zeq",
      role: user.role,
      userId: user.id,
    });
    setSessionCookie(c, "zeq", session.cookie);
    return c.json({ ok: true as const, expires_at: new Date(session.expiresAt).toISOString() }, 200);
  };
  return createRouter()
    .openapi(loginRoute, (c) => login(c, c.req.valid("json")))
    .openapi(loginAliasRoute, (c) => login(c, c.req.valid("json")))
    .openapi(logoutRoute, async (c) => {
      await endSession(c, "zeq");
      return c.json({ ok: true as const }, 200);
    });
}
