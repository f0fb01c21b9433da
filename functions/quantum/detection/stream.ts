import type { Context } from "hono";
import { SEVERITIES } from "../../../schema";
import { sseStream } from "../../command/event-stream";
import { principalOf } from "../../platform/auth/authenticate";
import { ApiError } from "../../platform/errors";
import type { Subscription } from "../../platform/events/live";
import { acquireStreamSlot } from "../../platform/rate-limit/stream-slots";
import type { AppEnv } from "../../platform/types";
import { CATALOG_TYPES } from "../../webhooks/catalog";
import { requireQuantumScope } from "./access";

/**
 * The live quantum event stream is a subscription on the tenant's hub (the Durable Object every
 * event is published to), filtered to the catalog's quantum.* and fragmentation.* types. The hub
 * matches types exactly, so the filter lists them; a type added to the catalog joins the stream.
 * The seed's clients open a WebSocket; `Accept: text/event-stream` gets the same events as
 * server-sent events (resuming from Last-Event-ID), through the command console's SSE bridge.
 */
export const QUANTUM_STREAM_TYPES: readonly string[] = CATALOG_TYPES.filter(
  (t) => t.startsWith("quantum.") || t.startsWith("fragmentation."),
);

function listParam(value: string | undefined, allowed: readonly string[], name: string): string[] {
  if (!value) return [];
  const items = [...new Set(value.split(",").filter(Boolean))];
  const bad = items.filter((i) => !allowed.includes(i));
  if (bad.length) throw new ApiError("invalid_request", `Unknown ${name}: ${bad.join(", ")}`, { field: name, allowed });
  return items;
}

export async function openQuantumStream(c: Context<AppEnv>, query: { severity?: string; type?: string }): Promise<Response> {
  const websocket = c.req.header("Upgrade")?.toLowerCase() === "websocket";
  if (!websocket && !c.req.header("Accept")?.includes("text/event-stream"))
    throw new ApiError("invalid_request", "Stream with a WebSocket upgrade or with Accept: text/event-stream");
  const p = principalOf(c);
  requireQuantumScope(p, "quantum:read");
  const severities = listParam(query.severity, SEVERITIES, "severity");
  const types = listParam(query.type, QUANTUM_STREAM_TYPES, "type");
  const slot = await acquireStreamSlot(c.env, p);
  const subscription: Subscription = {
    severities,
    systemTypes: [],
    types: types.length ? types : [...QUANTUM_STREAM_TYPES],
    slotsName: slot.slotsName,
    slotId: slot.id,
  };
  const upgrade = new Request(c.req.url, {
    headers: { Upgrade: "websocket", "X-Vigil-Subscription": JSON.stringify(subscription) },
  });
  const res = await c.env.TENANT_HUB.getByName(p.tenantId).fetch(upgrade);
  if (res.status !== 101 || !res.webSocket) {
    await slot.release();
    throw new Error(`tenant hub refused the upgrade: ${res.status}`);
  }
  if (!websocket) return sseStream(c, p.tenantId, subscription, res.webSocket);
  // A fresh Response: the hub's has immutable headers, and the platform middleware adds its own.
  return new Response(null, { status: 101, webSocket: res.webSocket });
}
