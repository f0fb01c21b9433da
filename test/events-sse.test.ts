import { env } from "cloudflare:workers";
import { EventSource } from "eventsource";
import { beforeAll, describe, expect, it } from "vitest";
import { emitEvent } from "../functions/platform/events/emit";
import type { NewEvent } from "../functions/platform/events/model";
import { createLogger } from "../functions/platform/log";
import { BASE, call, createApiKey, createTenant, eventually } from "./helpers";

const log = createLogger("error");
let tenantId: string;
let key: string;
beforeAll(async () => {
  tenantId = await createTenant("sse-co");
  key = (await createApiKey(tenantId, { name: "sse", scopes: ["read"] })).key;
});

const emit = (over: Partial<NewEvent> = {}) =>
  emitEvent(
    env,
    {
      tenantId,
      source: "command",
      type: "command.threat.detected",
      severity: "medium",
      systemType: "comms",
      description: "probe",
      ...over,
    },
    log,
  );

/** The third-party `eventsource` client, speaking to the Worker through its real fetch handler. */
function subscribe(query = "", lastEventId?: string) {
  const received: { id: string; data: { type: string; event: { id: string; severity: string } } }[] = [];
  const source = new EventSource(`${BASE}/api/events/stream${query}`, {
    fetch: (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set("X-API-Key", key);
      if (lastEventId && !headers.has("Last-Event-ID")) headers.set("Last-Event-ID", lastEventId);
      return call(String(input), { ...init, headers });
    },
  });
  // workerd's MessageEvent drops `lastEventId`, so the id is read from the payload here; the raw
  // `id:` lines, which Last-Event-ID resumption depends on, are checked separately below.
  source.addEventListener("event", (m) => {
    const data = JSON.parse(m.data);
    received.push({ id: data.event.id, data });
  });
  const opened = new Promise<void>((resolve, reject) => {
    source.onopen = () => resolve();
    source.onerror = (e) => reject(new Error(`SSE error: ${e.message ?? e.code}`));
  });
  return { source, received, opened };
}

const until = (check: () => boolean) => eventually(check);

describe("GET /api/events/stream (server-sent events)", () => {
  it("delivers live events to a standard EventSource client, with the event id as the SSE id", async () => {
    const { source, received, opened } = subscribe("?severity=high");
    await opened;
    await emit({ severity: "low" });
    const { event } = await emit({ severity: "high" });
    await until(() => received.length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(received.map((r) => r.id)).toEqual([event.id]);
    expect(received[0]?.data.event).toMatchObject({ id: event.id, severity: "high", systemType: "comms" });
    source.close();
  });

  it("resumes from Last-Event-ID with exactly the missed events, then continues live", async () => {
    const first = await emit();
    const missed = [await emit(), await emit()];
    const { source, received, opened } = subscribe("", first.event.id);
    await opened;
    await until(() => received.length >= 2);
    const next = await emit();
    await until(() => received.length >= 3);
    await new Promise((r) => setTimeout(r, 100));
    expect(received.map((r) => r.id)).toEqual([...missed.map((m) => m.event.id), next.event.id]);
    source.close();
  });

  it("frames each event with its id, as Last-Event-ID resumption needs", async () => {
    const first = await emit();
    const second = await emit();
    const res = await call("/api/events/stream", {
      headers: { Accept: "text/event-stream", "X-API-Key": key, "Last-Event-ID": first.event.id },
    });
    expect(res.headers.get("Content-Type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    let text = "";
    while (!text.includes("\n\n")) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(text).toMatch(new RegExp(`^event: event\ndata: .*"id":"${second.event.id}".*\nid: ${second.event.id}\n\n`));
  });

  it("replays nothing for another tenant's event id", async () => {
    const other = await createTenant("sse-other");
    const foreign = await emitEvent(
      env,
      { tenantId: other, source: "command", type: "command.threat.detected", severity: "low", description: "x" },
      log,
    );
    await emit();
    const { source, received, opened } = subscribe("", foreign.event.id);
    await opened;
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toEqual([]);
    source.close();
  });
});
