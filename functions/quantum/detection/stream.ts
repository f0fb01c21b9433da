import type { Context } from "hono";
import { SEVERITIES } from "../../../schema";
import { openHubStream } from "../../command/event-stream";
import { principalOf } from "../../platform/auth/authenticate";
import { ApiError } from "../../platform/errors";
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
  return openHubStream(c, p, { severities, systemTypes: [], types: types.length ? types : [...QUANTUM_STREAM_TYPES] }, websocket);
}
