import { createRoute, z } from "@hono/zod-openapi";
import { principalOf } from "../platform/auth/authenticate";
import { requireRole, requireScope, type Principal } from "../platform/auth/principal";
import { database } from "../platform/db";
import { incidentsSuccess } from "../platform/envelopes";
import { ApiError } from "../platform/errors";
import { errorResponses, incidentsSuccessSchema, json } from "../platform/openapi";
import { createRouter } from "../platform/router";
import { incidentsGuard, incidentsSecurity as security } from "./auth-routes";
import { listNotifications } from "./notifications/history";
import { loadPreferences, preferencesView, savePreferences } from "./notifications/preferences";
import { providersView, saveProviders } from "./notifications/providers";
import * as S from "./notifications/schemas";
import { sendTest } from "./notifications/test-send";
import { PaginationSchema } from "./schemas";

const tags = ["Incident response: notifications"];
const common = { tags, security, middleware: incidentsGuard() };
const body = <T extends z.ZodType>(schema: T) => ({ body: { required: true, ...json(schema) } });
const prefs = json(incidentsSuccessSchema(z.object({ preferences: S.PreferencesView })));
const providers = json(incidentsSuccessSchema(z.object({ providers: S.ProvidersView })));

const routes = {
  getPreferences: createRoute({
    ...common,
    method: "get",
    path: "/api/v1/notifications/preferences",
    operationId: "notificationsGetPreferences",
    summary: "The signed-in user's notification preferences (all channels off until set)",
    responses: { 200: { description: "Preferences", ...prefs }, ...errorResponses("incidents", 401, 403, 429) },
  }),
  putPreferences: createRoute({
    ...common,
    method: "put",
    path: "/api/v1/notifications/preferences",
    operationId: "notificationsPutPreferences",
    summary:
      "Replace the signed-in user's preferences whole (an omitted channel is disabled); `teams` names the notification lists the user receives",
    request: body(S.PreferencesInput),
    responses: { 200: { description: "Saved", ...prefs }, ...errorResponses("incidents", 400, 401, 403, 413, 415, 429) },
  }),
  getProviders: createRoute({
    ...common,
    method: "get",
    path: "/api/v1/notifications/providers",
    operationId: "notificationsGetProviders",
    summary: "The tenant's email and SMS relays (admin); tokens are never shown",
    responses: { 200: { description: "Relays", ...providers }, ...errorResponses("incidents", 401, 403, 429) },
  }),
  putProviders: createRoute({
    ...common,
    method: "put",
    path: "/api/v1/notifications/providers",
    operationId: "notificationsPutProviders",
    summary: "Set (object), remove (null) or keep (omitted) the email and SMS relays (admin); tokens are stored encrypted",
    request: body(S.ProvidersInput),
    responses: { 200: { description: "Saved", ...providers }, ...errorResponses("incidents", 400, 401, 403, 413, 415, 429) },
  }),
  test: createRoute({
    ...common,
    method: "post",
    path: "/api/v1/notifications/test",
    operationId: "notificationsTest",
    summary:
      "Send a test through one of the caller's channels now (quiet hours do not apply) and report the provider's answer; a refusal is delivered:false",
    request: body(S.TestInput),
    responses: {
      200: { description: "What the provider answered", ...json(incidentsSuccessSchema(S.TestResult)) },
      ...errorResponses("incidents", 400, 401, 403, 409, 413, 415, 429),
    },
  }),
  list: createRoute({
    ...common,
    method: "get",
    path: "/api/v1/notifications",
    operationId: "notificationsList",
    summary: "The tenant's notification log, newest first",
    request: { query: S.NotificationListQuery },
    responses: {
      200: {
        description: "A page of notifications",
        ...json(incidentsSuccessSchema(z.object({ notifications: z.array(S.NotificationSchema), pagination: PaginationSchema }))),
      },
      ...errorResponses("incidents", 400, 401, 403, 429),
    },
  }),
};

/** Preferences belong to a person; an API key (or OAuth client) has none to keep them for. */
function signedInUser(p: Principal) {
  if (p.kind !== "user")
    throw new ApiError(
      "forbidden",
      "Notification preferences belong to a signed-in user; sign in with /auth/login instead of an API key",
      {
        principal: p.kind,
      },
    );
  return { tenantId: p.tenantId, userId: p.id };
}

const actorOf = (p: Principal, requestId: string) => ({ name: `${p.kind}:${p.id}`, requestId });

export function notificationRoutes() {
  return createRouter()
    .openapi(routes.getPreferences, async (c) => {
      const user = signedInUser(principalOf(c));
      const row = await loadPreferences(database(c.env.DB), user.userId);
      return incidentsSuccess(c, { preferences: preferencesView(row) }, 200);
    })
    .openapi(routes.putPreferences, async (c) => {
      const user = signedInUser(principalOf(c));
      const row = await savePreferences(c.env, database(c.env.DB), user, c.req.valid("json"));
      return incidentsSuccess(c, { preferences: preferencesView(row) }, 200);
    })
    .openapi(routes.getProviders, async (c) => {
      const p = principalOf(c);
      requireRole(p, "admin");
      return incidentsSuccess(c, { providers: await providersView(database(c.env.DB), p.tenantId) }, 200);
    })
    .openapi(routes.putProviders, async (c) => {
      const p = principalOf(c);
      requireRole(p, "admin");
      const db = database(c.env.DB);
      await saveProviders(c.env, db, p.tenantId, c.req.valid("json"), actorOf(p, c.get("requestId")));
      return incidentsSuccess(c, { providers: await providersView(db, p.tenantId) }, 200);
    })
    .openapi(routes.test, async (c) => {
      const user = signedInUser(principalOf(c));
      const { channel, message } = c.req.valid("json");
      return incidentsSuccess(c, await sendTest(c.env, database(c.env.DB), user, channel, message), 200);
    })
    .openapi(routes.list, async (c) => {
      const p = principalOf(c);
      requireScope(p, "read");
      return incidentsSuccess(c, await listNotifications(database(c.env.DB), p.tenantId, c.req.valid("query")), 200);
    });
}
