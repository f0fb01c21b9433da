import { createRoute, z } from "@hono/zod-openapi";
import { authenticate, principalOf } from "../platform/auth/authenticate";
import { database } from "../platform/db";
import { notFound } from "../platform/errors";
import { randomHex } from "../platform/ids";
import { errorResponses, json } from "../platform/openapi";
import { createRouter } from "../platform/router";
import { findMachine, requireOwner } from "./machines";
import { avTags, deviceIdSchema, slugSchema } from "./route-kit";
import { zeqondOf } from "./scoring";

const tags = avTags;
const security: Record<string, string[]>[] = [{ ZeqSession: [] }];
const ownerAuth = () => authenticate({ cookie: "zeq" });
const slug = slugSchema;

const Device = z
  .object({
    device_id: z.string(),
    name: z.string(),
    os: z.string(),
    installed_zeqond: z.string(),
    transition_id: z.string(),
    quarantined: z.boolean().openapi({ description: "Quarantined devices' claims carry the device_quarantined blocker" }),
  })
  .openapi("AvDevice");

const listRoute = createRoute({
  method: "get",
  path: "/api/av/devices",
  operationId: "avListDevices",
  summary: "The machine's devices (owner only)",
  tags,
  security,
  middleware: [ownerAuth()],
  request: { query: z.object({ slug }) },
  responses: {
    200: { description: "Devices", ...json(z.object({ ok: z.literal(true), slug: z.string(), devices: z.array(Device) })) },
    ...errorResponses("av", 400, 401, 403, 404),
  },
});

const createRouteDef = createRoute({
  method: "post",
  path: "/api/av/devices",
  operationId: "avCreateDevice",
  summary: "Install a device on the machine (owner only)",
  tags,
  security,
  middleware: [ownerAuth()],
  request: {
    body: {
      required: true,
      ...json(z.object({ slug, name: z.string().trim().min(1).max(200), os: z.string().trim().min(1).max(50) })),
    },
  },
  responses: {
    201: {
      description: "Installed",
      ...json(z.object({ ok: z.literal(true), device_id: z.string(), transition_id: z.string() })),
    },
    ...errorResponses("av", 400, 401, 403, 404, 413, 415),
  },
});

const quarantineRoute = createRoute({
  method: "post",
  path: "/api/av/devices/quarantine",
  operationId: "avQuarantineDevice",
  summary: "Quarantine a device (its claims stop firing) or release it (owner only)",
  tags,
  security,
  middleware: [ownerAuth()],
  request: {
    body: {
      required: true,
      ...json(z.object({ slug, device_id: deviceIdSchema, quarantined: z.boolean() })),
    },
  },
  responses: {
    200: {
      description: "Done",
      ...json(z.object({ ok: z.literal(true), device_id: z.string(), quarantined: z.boolean(), transition_id: z.string() })),
    },
    ...errorResponses("av", 400, 401, 403, 404, 413, 415),
  },
});

export function avDeviceRoutes() {
  return createRouter()
    .openapi(listRoute, async (c) => {
      const machine = await findMachine(database(c.env.DB), c.req.valid("query").slug);
      requireOwner(machine, principalOf(c));
      const devices = await c.env.MACHINE_STATE.getByName(machine.slug).listDevices();
      const view = devices.map((d) => ({
        device_id: d.device_id,
        name: d.name,
        os: d.os,
        installed_zeqond: String(d.installed_zeqond),
        quarantined: d.quarantined,
        transition_id: d.transition_id,
      }));
      return c.json({ ok: true as const, slug: machine.slug, devices: view }, 200);
    })
    .openapi(quarantineRoute, async (c) => {
      const { slug: machineSlug, device_id, quarantined } = c.req.valid("json");
      const machine = await findMachine(database(c.env.DB), machineSlug);
      const p = principalOf(c);
      requireOwner(machine, p);
      const done = await c.env.MACHINE_STATE.getByName(machine.slug).setQuarantine(`${p.kind}:${p.id}`, device_id, quarantined);
      if (!done) throw notFound(`Device '${device_id}'`, { device_id });
      return c.json({ ok: true as const, device_id, quarantined, transition_id: done.transition_id }, 200);
    })
    .openapi(createRouteDef, async (c) => {
      const { slug: machineSlug, name, os } = c.req.valid("json");
      const machine = await findMachine(database(c.env.DB), machineSlug);
      const p = principalOf(c);
      requireOwner(machine, p);
      const device = await c.env.MACHINE_STATE.getByName(machine.slug).addDevice(
        `${p.kind}:${p.id}`,
        `dev_${randomHex(8)}`,
        name,
        os,
        zeqondOf(Date.now()),
      );
      return c.json({ ok: true as const, device_id: device.device_id, transition_id: device.transition_id }, 201);
    });
}
