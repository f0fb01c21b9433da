import { createRoute, z } from "@hono/zod-openapi";
import { ANY_FIRE_TAG } from "../../durable-objects/machine-mesh";
import { authenticate, principalOf } from "../platform/auth/authenticate";
import { database } from "../platform/db";
import { notFound } from "../platform/errors";
import { errorResponses, json } from "../platform/openapi";
import { createRouter } from "../platform/router";
import { findMachine, requireOwner, requireReader } from "./machines";
import { avTags, readerGuard, readerSecurity, slugSchema } from "./route-kit";
import { BUILT_IN_CLAIM_TYPES, CUSTOM_CLAIM_TYPE } from "./scoring";

const tags = avTags;
const slug = slugSchema;
const tag = z
  .string()
  .max(100)
  .refine(
    (t) => t === ANY_FIRE_TAG || (BUILT_IN_CLAIM_TYPES as readonly string[]).includes(t) || CUSTOM_CLAIM_TYPE.test(t),
    `${ANY_FIRE_TAG} (every fire) or a claim type`,
  )
  .default(ANY_FIRE_TAG);
const Subscription = z
  .object({ slug, publisher_slug: slug, tag })
  .refine((b) => b.slug !== b.publisher_slug, { message: "A machine cannot follow itself", path: ["publisher_slug"] });

const feedRoute = createRoute({
  method: "get",
  path: "/api/av/mesh-feed",
  operationId: "avMeshFeed",
  summary: "The publishers this machine follows, with fire counts (owner, or anyone for a public machine)",
  tags,
  security: readerSecurity,
  middleware: readerGuard(),
  request: { query: z.object({ slug }) },
  responses: {
    200: {
      description: "Feed",
      ...json(
        z.object({
          ok: z.literal(true),
          slug: z.string(),
          subscriptions: z.array(
            z.object({
              publisher_slug: z.string(),
              tag: z.string(),
              fire_count: z.number().int(),
              last_fired_zeqond: z.string().nullable(),
            }),
          ),
        }),
      ),
    },
    ...errorResponses("av", 400, 403, 404, 429),
  },
});

const subscribeRoute = createRoute({
  method: "post",
  path: "/api/av/subscriptions",
  operationId: "avSubscribe",
  summary: "Follow a publisher machine's fires (the subscriber's owner; the publisher public or also theirs)",
  tags,
  security: [{ ZeqSession: [] }],
  middleware: [authenticate({ cookie: "zeq" })],
  request: { body: { required: true, ...json(Subscription) } },
  responses: {
    201: {
      description: "Subscribed",
      ...json(z.object({ ok: z.literal(true), slug: z.string(), publisher_slug: z.string(), tag: z.string() })),
    },
    ...errorResponses("av", 400, 401, 403, 404, 413, 415),
  },
});

const unsubscribeRoute = createRoute({
  method: "delete",
  path: "/api/av/subscriptions",
  operationId: "avUnsubscribe",
  summary: "Stop following a publisher's tag",
  tags,
  security: [{ ZeqSession: [] }],
  middleware: [authenticate({ cookie: "zeq" })],
  request: { body: { required: true, ...json(Subscription) } },
  responses: {
    200: { description: "Unsubscribed", ...json(z.object({ ok: z.literal(true) })) },
    ...errorResponses("av", 400, 401, 403, 404, 413, 415),
  },
});

export function avMeshRoutes() {
  return createRouter()
    .openapi(feedRoute, async (c) => {
      const machine = await findMachine(database(c.env.DB), c.req.valid("query").slug);
      requireReader(machine, c.get("principal"));
      const entries = await c.env.MACHINE_STATE.getByName(machine.slug).meshFeed();
      const subscriptions = entries.map((e) => ({
        ...e,
        last_fired_zeqond: e.last_fired_zeqond === null ? null : String(e.last_fired_zeqond),
      }));
      return c.json({ ok: true as const, slug: machine.slug, subscriptions }, 200);
    })
    .openapi(subscribeRoute, async (c) => {
      const body = c.req.valid("json");
      const db = database(c.env.DB);
      const p = principalOf(c);
      const [subscriber, publisher] = await Promise.all([findMachine(db, body.slug), findMachine(db, body.publisher_slug)]);
      requireOwner(subscriber, p);
      requireReader(publisher, p);
      // Publisher first: a fire between the two writes reaches a subscriber that does not count it yet, never the reverse.
      await c.env.MACHINE_STATE.getByName(publisher.slug).setSubscriber(subscriber.slug, body.tag, true);
      await c.env.MACHINE_STATE.getByName(subscriber.slug).subscribe(publisher.slug, body.tag);
      return c.json({ ok: true as const, slug: subscriber.slug, publisher_slug: publisher.slug, tag: body.tag }, 201);
    })
    .openapi(unsubscribeRoute, async (c) => {
      const body = c.req.valid("json");
      const db = database(c.env.DB);
      const subscriber = await findMachine(db, body.slug);
      requireOwner(subscriber, principalOf(c));
      const removed = await c.env.MACHINE_STATE.getByName(subscriber.slug).unsubscribe(body.publisher_slug, body.tag);
      if (!removed) throw notFound("Subscription", { publisher_slug: body.publisher_slug, tag: body.tag });
      await c.env.MACHINE_STATE.getByName(body.publisher_slug).setSubscriber(subscriber.slug, body.tag, false);
      return c.json({ ok: true as const }, 200);
    });
}
