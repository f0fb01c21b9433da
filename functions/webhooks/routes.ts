import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { DELIVERY_STATUSES } from "../../schema";
import { principalOf } from "../platform/auth/authenticate";
import { database } from "../platform/db";
import { incidentsSuccess } from "../platform/envelopes";
import { errorResponses, incidentsSuccessSchema, json } from "../platform/openapi";
import { createRouter } from "../platform/router";
import type { AppEnv } from "../platform/types";
import { incidentsGuard, incidentsSecurity } from "../incidents/auth-routes";
import { quantumGuard, quantumSecurity } from "../quantum/guard";
import { requireWebhookRead, requireWebhookWrite } from "./access";
import { CATALOG_TYPES, EVENT_CATALOG, TEST_EVENT_TYPE } from "./catalog";
import { deliveriesOfEvent, getDelivery, listDeliveries, replayDelivery, sendTest } from "./deliveries";
import * as S from "./schemas";
import { createWebhook, deleteWebhook, getWebhook, listWebhooks, rotateSecret, updateWebhook, webhookView } from "./store";

type WebhookFamily = "quantum" | "incidents";

/**
 * One webhook resource, served twice: under /v3/webhooks in the quantum defense seed's shapes
 * and errors (OAuth client tokens, scope quantum:write to change), and under /api/v1/webhooks in
 * the incident-response envelope (responder users or write-scoped keys to change).
 */
interface FamilyRoutes {
  base: string;
  op: string;
  tag: string;
  security: Record<string, string[]>[];
  guard: typeof quantumGuard | typeof incidentsGuard;
}

const FAMILY: Record<WebhookFamily, FamilyRoutes> = {
  quantum: {
    base: "/v3/webhooks",
    op: "quantum",
    tag: "Quantum defense: webhooks",
    security: quantumSecurity(),
    guard: quantumGuard,
  },
  incidents: {
    base: "/api/v1/webhooks",
    op: "incidents",
    tag: "Incident response: webhooks",
    security: incidentsSecurity,
    guard: incidentsGuard,
  },
};

function eventTypes() {
  const families = [...new Set(CATALOG_TYPES.map((t) => t.slice(0, t.indexOf("."))))];
  return {
    event_types: CATALOG_TYPES.map((type) => ({ type, description: EVENT_CATALOG[type] })),
    wildcards: ["*", ...families.map((f) => `${f}.*`)],
    test_event: TEST_EVENT_TYPE,
  };
}

export function webhookRoutes(family: WebhookFamily) {
  const f = FAMILY[family];
  const wrap = <T extends z.ZodType>(schema: T) => (family === "incidents" ? incidentsSuccessSchema(schema) : schema);
  // The envelope is chosen per family at run time, so the route's typed response cannot be checked
  // statically here; the schemas above (wrap) document each family's shape and the tests check them.
  const respond = <S extends ContentfulStatusCode>(c: Context<AppEnv>, data: unknown, status: S): never =>
    (family === "incidents" ? incidentsSuccess(c, data, status) : c.json(data as object, status)) as never;
  const common = { tags: [f.tag], security: f.security, middleware: f.guard() };
  const webhookParams = z.object({ webhookId: S.webhookIdParam });
  const deliveryParams = z.object({ deliveryId: S.deliveryIdParam });
  const errors = (...s: (400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 503)[]) => errorResponses(family, ...s);

  const r = {
    types: createRoute({
      ...common,
      method: "get",
      path: `${f.base}/event-types`,
      operationId: `${f.op}WebhookEventTypes`,
      summary: "The event catalog",
      responses: { 200: { description: "Catalog", ...json(wrap(S.EventTypesSchema)) }, ...errors(401, 429, 503) },
    }),
    create: createRoute({
      ...common,
      method: "post",
      path: f.base,
      operationId: `${f.op}CreateWebhook`,
      summary: "Subscribe an endpoint (the secret is returned once)",
      request: { body: { required: true, ...json(S.CreateWebhookSchema) } },
      responses: {
        201: { description: "Created", ...json(wrap(S.WebhookWithSecretSchema)) },
        ...errors(400, 401, 403, 413, 415, 429, 503),
      },
    }),
    list: createRoute({
      ...common,
      method: "get",
      path: f.base,
      operationId: `${f.op}ListWebhooks`,
      summary: "The tenant's webhook endpoints",
      responses: {
        200: { description: "Endpoints", ...json(wrap(z.object({ webhooks: z.array(S.WebhookSchema) }))) },
        ...errors(401, 403, 429, 503),
      },
    }),
    get: createRoute({
      ...common,
      method: "get",
      path: `${f.base}/{webhookId}`,
      operationId: `${f.op}GetWebhook`,
      summary: "One endpoint",
      request: { params: webhookParams },
      responses: { 200: { description: "Endpoint", ...json(wrap(S.WebhookSchema)) }, ...errors(400, 401, 403, 404, 429, 503) },
    }),
    update: createRoute({
      ...common,
      method: "patch",
      path: `${f.base}/{webhookId}`,
      operationId: `${f.op}UpdateWebhook`,
      summary: "Change an endpoint; `active: true` re-enables a disabled one",
      request: { params: webhookParams, body: { required: true, ...json(S.UpdateWebhookSchema) } },
      responses: {
        200: { description: "Updated", ...json(wrap(S.WebhookSchema)) },
        ...errors(400, 401, 403, 404, 413, 415, 429, 503),
      },
    }),
    remove: createRoute({
      ...common,
      method: "delete",
      path: `${f.base}/{webhookId}`,
      operationId: `${f.op}DeleteWebhook`,
      summary: "Delete an endpoint and its delivery log",
      request: { params: webhookParams },
      responses: { 204: { description: "Deleted" }, ...errors(400, 401, 403, 404, 429, 503) },
    }),
    rotate: createRoute({
      ...common,
      method: "post",
      path: `${f.base}/{webhookId}/rotate-secret`,
      operationId: `${f.op}RotateWebhookSecret`,
      summary: "New signing secret (returned once); the old one keeps signing alongside for 24 h",
      request: { params: webhookParams, body: { required: false, ...json(S.RotateSecretSchema) } },
      responses: {
        200: { description: "Rotated", ...json(wrap(S.WebhookWithSecretSchema)) },
        ...errors(400, 401, 403, 404, 413, 415, 429, 503),
      },
    }),
    test: createRoute({
      ...common,
      method: "post",
      path: `${f.base}/{webhookId}/test`,
      operationId: `${f.op}TestWebhook`,
      summary: "Send a signed webhook.test event",
      request: { params: webhookParams },
      responses: { 202: { description: "Queued", ...json(wrap(S.DeliverySchema)) }, ...errors(400, 401, 403, 404, 429, 503) },
    }),
    deliveries: createRoute({
      ...common,
      method: "get",
      path: `${f.base}/{webhookId}/deliveries`,
      operationId: `${f.op}ListWebhookDeliveries`,
      summary: "The endpoint's deliveries, newest first",
      request: {
        params: webhookParams,
        query: z.object({
          status: z.enum(DELIVERY_STATUSES).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
      },
      responses: {
        200: { description: "Deliveries", ...json(wrap(z.object({ deliveries: z.array(S.DeliverySchema) }))) },
        ...errors(400, 401, 403, 404, 429, 503),
      },
    }),
    eventDeliveries: createRoute({
      ...common,
      method: "get",
      path: `${f.base}/deliveries`,
      operationId: `${f.op}ListEventDeliveries`,
      summary: "Every endpoint's delivery of one pipeline event",
      request: { query: z.object({ event_id: z.string().regex(/^evt_[A-Za-z0-9_-]{8,64}$/, "a pipeline event id (evt_…)") }) },
      responses: {
        200: { description: "Deliveries", ...json(wrap(z.object({ deliveries: z.array(S.DeliverySchema) }))) },
        ...errors(400, 401, 403, 429, 503),
      },
    }),
    delivery: createRoute({
      ...common,
      method: "get",
      path: `${f.base}/deliveries/{deliveryId}`,
      operationId: `${f.op}GetWebhookDelivery`,
      summary: "One delivery with its attempt log",
      request: { params: deliveryParams },
      responses: {
        200: { description: "Delivery", ...json(wrap(S.DeliveryDetailSchema)) },
        ...errors(400, 401, 403, 404, 429, 503),
      },
    }),
    replay: createRoute({
      ...common,
      method: "post",
      path: `${f.base}/deliveries/{deliveryId}/replay`,
      operationId: `${f.op}ReplayWebhookDelivery`,
      summary: "Send a past delivery's event again (a new delivery and webhook-id)",
      request: { params: deliveryParams },
      responses: { 202: { description: "Queued", ...json(wrap(S.DeliverySchema)) }, ...errors(400, 401, 403, 404, 429, 503) },
    }),
  };

  const db = (c: Context<AppEnv>) => database(c.env.DB);
  const reader = (c: Context<AppEnv>) => requireWebhookRead(principalOf(c)).tenantId;
  const writer = (c: Context<AppEnv>) => requireWebhookWrite(principalOf(c)).tenantId;

  return createRouter()
    .openapi(r.types, (c) => respond(c, eventTypes(), 200))
    .openapi(r.create, async (c) => respond(c, await createWebhook(db(c), c.env, writer(c), c.req.valid("json")), 201))
    .openapi(r.list, async (c) => respond(c, { webhooks: (await listWebhooks(db(c), reader(c))).map(webhookView) }, 200))
    .openapi(r.eventDeliveries, async (c) =>
      respond(c, { deliveries: await deliveriesOfEvent(db(c), reader(c), c.req.valid("query").event_id) }, 200),
    )
    .openapi(r.delivery, async (c) => respond(c, await getDelivery(db(c), reader(c), c.req.valid("param").deliveryId), 200))
    .openapi(r.replay, async (c) =>
      respond(c, await replayDelivery(c.env, db(c), writer(c), c.req.valid("param").deliveryId), 202),
    )
    .openapi(r.get, async (c) => respond(c, webhookView(await getWebhook(db(c), reader(c), c.req.valid("param").webhookId)), 200))
    .openapi(r.update, async (c) =>
      respond(c, await updateWebhook(db(c), c.env, writer(c), c.req.valid("param").webhookId, c.req.valid("json")), 200),
    )
    .openapi(r.remove, async (c) => {
      await deleteWebhook(db(c), writer(c), c.req.valid("param").webhookId);
      return c.body(null, 204);
    })
    .openapi(r.rotate, async (c) => {
      const secret = (c.req.valid("json") as { secret?: string } | undefined)?.secret;
      return respond(c, await rotateSecret(db(c), c.env, writer(c), c.req.valid("param").webhookId, secret), 200);
    })
    .openapi(r.test, async (c) => respond(c, await sendTest(c.env, db(c), writer(c), c.req.valid("param").webhookId), 202))
    .openapi(r.deliveries, async (c) => {
      const { status, limit } = c.req.valid("query");
      return respond(
        c,
        { deliveries: await listDeliveries(db(c), reader(c), c.req.valid("param").webhookId, status, limit) },
        200,
      );
    });
}
