import { createRoute, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { users } from "../../schema";
import { principalOf } from "../platform/auth/authenticate";
import { requireScope } from "../platform/auth/principal";
import { signOutEverywhere } from "../platform/auth/user-tokens";
import { database } from "../platform/db";
import { incidentsSuccess } from "../platform/envelopes";
import { notFound } from "../platform/errors";
import { errorResponses, incidentsSuccessSchema, json } from "../platform/openapi";
import { hashPassword } from "../platform/passwords";
import { createRouter } from "../platform/router";
import { incidentsGuard, incidentsSecurity as security } from "./auth-routes";

const setPasswordRoute = createRoute({
  method: "post",
  path: "/api/v1/users/{username}/password",
  operationId: "usersSetPassword",
  summary: "Set a user's new password (admin): lifts a forced password reset and ends the user's sessions",
  tags: ["Incident response: authentication"],
  security,
  middleware: incidentsGuard(),
  request: {
    params: z.object({ username: z.string().trim().toLowerCase().min(1).max(254) }),
    body: { required: true, ...json(z.object({ password: z.string().min(12, "must be at least 12 characters").max(1024) })) },
  },
  responses: {
    200: {
      description: "Password set",
      ...json(incidentsSuccessSchema(z.object({ username: z.string(), password_reset_required: z.literal(false) }))),
    },
    ...errorResponses("incidents", 400, 401, 403, 404, 413, 415, 429),
  },
});

export function userRoutes() {
  return createRouter().openapi(setPasswordRoute, async (c) => {
    const p = principalOf(c);
    requireScope(p, "admin");
    const { username } = c.req.valid("param");
    const db = database(c.env.DB);
    const passwordHash = await hashPassword(c.req.valid("json").password);
    const [user] = await db
      .update(users)
      .set({ passwordHash, passwordResetRequired: false })
      .where(and(eq(users.tenantId, p.tenantId), eq(users.username, username)))
      .returning({ id: users.id });
    if (!user) throw notFound(`User '${username}'`, { username });
    await signOutEverywhere(db, user.id, "password changed by an admin");
    return incidentsSuccess(c, { username, password_reset_required: false as const }, 200);
  });
}
