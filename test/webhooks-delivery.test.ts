import { env } from "cloudflare:workers";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import { beforeAll, describe, expect, it } from "vitest";
import { emitEvent } from "../functions/platform/events/emit";
import { jobMessage } from "../functions/platform/jobs";
import { createLogger } from "../functions/platform/log";
import { call, createApiKey, createTenant, eventually, postJson, receiverInbox } from "./helpers";

type Created = { id: string; secret: string };
type Delivery = { id: string; status: string; attempts: number; replay_of: string | null; event: string };
type Detail = Delivery & { attempt_log: { attempt: number; status_code: number | null; retry_in_seconds: number | null }[] };
type Received = { at: number; headers: Record<string, string>; body: string };

const log = createLogger("error");
let tenantId: string;
let ops: Record<string, string>;

beforeAll(async () => {
  tenantId = await createTenant("webhooks-delivery");
  ops = { "X-API-Key": (await createApiKey(tenantId, { name: "ops", scopes: ["write"] })).key };
});

async function subscribe(url: string, events: string[], extra: Record<string, unknown> = {}): Promise<Created> {
  const res = await postJson("/api/v1/webhooks", { url, events, ...extra }, ops);
  expect(res.status).toBe(201);
  return ((await res.json()) as { data: Created }).data;
}

const fire = (type = "command.executed", details: Record<string, unknown> = {}) =>
  emitEvent(env, { tenantId, source: "command", type, severity: "high", description: `test ${type}`, details }, log);

const detail = async (id: string) =>
  ((await (await call(`/api/v1/webhooks/deliveries/${id}`, { headers: ops })).json()) as { data: Detail }).data;
const deliveriesOf = async (hookId: string) =>
  ((await (await call(`/api/v1/webhooks/${hookId}/deliveries`, { headers: ops })).json()) as { data: { deliveries: Delivery[] } })
    .data.deliveries;

async function arrivals(inbox: Awaited<ReturnType<typeof receiverInbox>>, n: number, ms = 20_000): Promise<Received[]> {
  let got: Received[] = [];
  await eventually(async () => (got = await inbox.requests()).length >= n, ms);
  return got;
}

describe("delivery, verified by a Standard Webhooks verifier", () => {
  it("delivers a pipeline event with signatures that verify, and that fail when tampered with", async () => {
    const inbox = await receiverInbox();
    const hook = await subscribe(inbox.url, ["command.*"]);
    const { event } = await fire("command.executed", { command: "isolate-node", nodeId: "grid-7" });
    const [req] = await arrivals(inbox, 1);
    const payload = new StandardWebhook(hook.secret).verify(req!.body, req!.headers) as Record<string, any>;
    expect(payload).toMatchObject({
      event: "command.executed",
      data: { event_id: event.id, command: "isolate-node", nodeId: "grid-7", severity: "high" },
      metadata: { webhook_id: hook.id, delivery_attempt: 1 },
    });
    expect(new Date(payload.timestamp).toISOString()).toBe(payload.timestamp);

    const verifier = new StandardWebhook(hook.secret);
    expect(() => verifier.verify(req!.body.replace("grid-7", "grid-8"), req!.headers)).toThrow();
    const older = String(Number(req!.headers["webhook-timestamp"]) - 1);
    expect(() => verifier.verify(req!.body, { ...req!.headers, "webhook-timestamp": older })).toThrow();

    // Svix's own client verifies the same delivery (its headers are the Standard Webhooks ones, svix- prefixed or not).
    expect(() => new SvixWebhook(hook.secret).verify(req!.body, req!.headers)).not.toThrow();

    // The seeds' verifier: hex HMAC-SHA256 of the body, keyed with the secret string.
    const key = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(hook.secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["verify"],
    );
    const hex = req!.headers["x-webhook-signature"]!.replace(/^sha256=/, "");
    const sig = new Uint8Array(hex.match(/../g)!.map((h) => parseInt(h, 16)));
    expect(await crypto.subtle.verify("HMAC", key, sig, new TextEncoder().encode(req!.body))).toBe(true);
  });

  it("verifies with a secret the client chose (format raw), and does not deliver what the endpoint did not subscribe to", async () => {
    const inbox = await receiverInbox();
    const secret = "client-chosen-secret-0123456789abcdef";
    await subscribe(inbox.url, ["incident.*"], { secret });
    await fire("command.executed");
    await fire("incident.created", { incident_id: "inc_1" });
    const [req] = await arrivals(inbox, 1);
    const payload = new StandardWebhook(secret, { format: "raw" }).verify(req!.body, req!.headers) as { event: string };
    expect(payload.event).toBe("incident.created");
    await new Promise((r) => setTimeout(r, 1500));
    expect(await inbox.requests()).toHaveLength(1);
  });
});

describe("fan-out", () => {
  it("reaches every one of 20 subscribed endpoints once (more rows than one D1 statement can bind)", async () => {
    const inbox = await receiverInbox();
    const tenant = await createTenant("webhooks-fanout");
    const key = { "X-API-Key": (await createApiKey(tenant, { name: "ops", scopes: ["write"] })).key };
    for (let i = 0; i < 20; i++)
      expect((await postJson("/api/v1/webhooks", { url: `${inbox.url}?endpoint=${i}`, events: ["av.*"] }, key)).status).toBe(201);
    await emitEvent(
      env,
      { tenantId: tenant, source: "av", type: "av.threat.detected", severity: "critical", description: "claim fired" },
      log,
    );
    const reqs = await arrivals(inbox, 20);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await inbox.requests()).toHaveLength(20);
    expect(new Set(reqs.map((r) => (JSON.parse(r.body) as { metadata: { webhook_id: string } }).metadata.webhook_id)).size).toBe(
      20,
    );
  });
});

describe("retries", () => {
  it("retries failures on the endpoint's schedule with the same webhook-id, counting attempts", async () => {
    const inbox = await receiverInbox({ responses: [{ status: 500 }, { status: 502 }], then: { status: 200 } });
    const hook = await subscribe(inbox.url, ["command.executed"], {
      retry_policy: { max_attempts: 5, backoff_multiplier: 1, max_backoff_seconds: 0 },
    });
    await fire();
    const reqs = await arrivals(inbox, 3);
    expect(new Set(reqs.map((r) => r.headers["webhook-id"])).size).toBe(1);
    expect(reqs.map((r) => (JSON.parse(r.body) as { metadata: { delivery_attempt: number } }).metadata.delivery_attempt)).toEqual(
      [1, 2, 3],
    );
    let d: Detail | undefined;
    await eventually(async () => (d = await detail((await deliveriesOf(hook.id))[0]!.id)).status === "succeeded");
    expect(d!.attempt_log.map((a) => a.status_code)).toEqual([500, 502, 200]);
    expect(d!.attempt_log.map((a) => a.retry_in_seconds)).toEqual([0, 0, null]);
  });

  it("does not follow redirects: a 3xx is a failed attempt", async () => {
    const elsewhere = await receiverInbox();
    const inbox = await receiverInbox({
      responses: [{ status: 302, headers: { Location: elsewhere.url } }],
      then: { status: 200 },
    });
    const hook = await subscribe(inbox.url, ["command.executed"], {
      retry_policy: { max_attempts: 3, backoff_multiplier: 1, max_backoff_seconds: 0 },
    });
    await fire();
    await arrivals(inbox, 2);
    let d: Detail | undefined;
    await eventually(async () => (d = await detail((await deliveriesOf(hook.id))[0]!.id)).status === "succeeded");
    expect(d!.attempt_log.map((a) => a.status_code)).toEqual([302, 200]);
    expect(await elsewhere.requests()).toHaveLength(0);
  });

  it("honours Retry-After on 429", async () => {
    const inbox = await receiverInbox({ responses: [{ status: 429, headers: { "Retry-After": "2" } }], then: { status: 204 } });
    await subscribe(inbox.url, ["command.executed"], {
      retry_policy: { max_attempts: 3, backoff_multiplier: 1, max_backoff_seconds: 0 },
    });
    await fire();
    const [first, second] = await arrivals(inbox, 2);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1900);
  });

  it("gives up after max_attempts: the delivery fails and is recorded as a dead letter", async () => {
    const inbox = await receiverInbox({ then: { status: 500, body: "down for maintenance" } });
    const hook = await subscribe(inbox.url, ["command.executed"], {
      retry_policy: { max_attempts: 2, backoff_multiplier: 1, max_backoff_seconds: 0 },
    });
    await fire();
    await arrivals(inbox, 2);
    let d: Detail | undefined;
    await eventually(async () => (d = await detail((await deliveriesOf(hook.id))[0]!.id)).status === "failed");
    expect(d!.attempts).toBe(2);
    const dead = await env.DB.prepare("SELECT reason FROM dead_letters WHERE message_id = ?")
      .bind(`delivery:${d!.id}`)
      .first<{ reason: string }>();
    expect(dead?.reason).toMatch(/failed after 2 attempts/);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await inbox.requests()).toHaveLength(2);
  });

  it("disables the endpoint on 410 and raises a critical system alert to other subscribers", async () => {
    const watcher = await receiverInbox();
    await subscribe(watcher.url, ["system.alert.critical"]);
    const gone = await receiverInbox({ then: { status: 410 } });
    const hook = await subscribe(gone.url, ["command.executed"]);
    await fire();
    const [alert] = await arrivals(watcher, 1);
    expect(JSON.parse(alert!.body)).toMatchObject({ event: "system.alert.critical", data: { webhook_id: hook.id } });
    const got = (
      (await (await call(`/api/v1/webhooks/${hook.id}`, { headers: ops })).json()) as {
        data: { health: { disabled_at: string | null } };
      }
    ).data;
    expect(got.health.disabled_at).not.toBeNull();
    await fire();
    await new Promise((r) => setTimeout(r, 1500));
    expect(await gone.requests()).toHaveLength(1);
  });
});

describe("endpoint health", () => {
  it("disables an endpoint that has failed every attempt for an hour, and lists deliveries per event", async () => {
    const watcher = await receiverInbox();
    await subscribe(watcher.url, ["system.alert.critical"]);
    const failing = await receiverInbox({ then: { status: 500 } });
    const hook = await subscribe(failing.url, ["command.executed"], {
      retry_policy: { max_attempts: 1, backoff_multiplier: 1, max_backoff_seconds: 0 },
    });
    // Nine failures already, the first two hours ago: the tenth disables it.
    await env.DB.prepare("UPDATE webhooks SET consecutive_failures = 9, first_failure_at = ? WHERE id = ?")
      .bind(Date.now() - 7_200_000, hook.id)
      .run();
    const { event } = await fire();
    const [alert] = await arrivals(watcher, 1);
    expect(JSON.parse(alert!.body).data.reason).toMatch(/10 consecutive failed attempts/);
    const perEvent = await call(`/api/v1/webhooks/deliveries?event_id=${event.id}`, { headers: ops });
    const listed = ((await perEvent.json()) as { data: { deliveries: Delivery[] } }).data.deliveries;
    expect(listed.map((d) => d.status)).toContain("failed");

    const reenabled = await call(`/api/v1/webhooks/${hook.id}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json", ...ops },
      body: JSON.stringify({ active: true }),
    });
    expect(
      ((await reenabled.json()) as { data: { health: { disabled_at: string | null; consecutive_failures: number } } }).data
        .health,
    ).toEqual({
      disabled_at: null,
      disabled_reason: null,
      consecutive_failures: 0,
    });
  });
});

describe("at least once, never a second logical delivery", () => {
  it("a redelivered fan-out job adds no delivery and no request", async () => {
    const inbox = await receiverInbox();
    const hook = await subscribe(inbox.url, ["command.executed"]);
    const { event } = await fire();
    await arrivals(inbox, 1);
    await env.EVENTS.send(jobMessage("event.created", tenantId, { eventId: event.id }));
    await new Promise((r) => setTimeout(r, 2500));
    expect(await inbox.requests()).toHaveLength(1);
    expect(await deliveriesOf(hook.id)).toHaveLength(1);
  });

  it("after a crash that lost the outcome of a successful POST, the retry carries the same webhook-id", async () => {
    const inbox = await receiverInbox();
    const hook = await subscribe(inbox.url, ["command.executed"]);
    await fire();
    const [first] = await arrivals(inbox, 1);
    const [delivery] = await deliveriesOf(hook.id);
    await eventually(async () => (await detail(delivery!.id)).status === "succeeded");
    // What a consumer crash between the POST and recording it leaves behind: the attempt claimed, nothing settled.
    await env.DB.prepare("UPDATE webhook_deliveries SET status = 'pending', completed_at = NULL WHERE id = ?")
      .bind(delivery!.id)
      .run();
    await env.WEBHOOKS.send(jobMessage("webhook.deliver", tenantId, { deliveryId: delivery!.id }));
    const [, again] = await arrivals(inbox, 2);
    expect(again!.headers["webhook-id"]).toBe(first!.headers["webhook-id"]);
    expect(await deliveriesOf(hook.id)).toHaveLength(1);
  });
});

describe("secret rotation, test sends and replay", () => {
  it("signs with both secrets during the overlap, so receivers on either verify", async () => {
    const inbox = await receiverInbox();
    const hook = await subscribe(inbox.url, ["command.executed"]);
    const rotated = await call(`/api/v1/webhooks/${hook.id}/rotate-secret`, { method: "POST", headers: ops });
    expect(rotated.status).toBe(200);
    const { secret: fresh, previous_secret_valid_until } = (
      (await rotated.json()) as { data: { secret: string; previous_secret_valid_until: string } }
    ).data;
    expect(fresh).not.toBe(hook.secret);
    expect(Date.parse(previous_secret_valid_until) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    await fire();
    const [req] = await arrivals(inbox, 1);
    expect(req!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(() => new StandardWebhook(fresh).verify(req!.body, req!.headers)).not.toThrow();
    expect(() => new StandardWebhook(hook.secret).verify(req!.body, req!.headers)).not.toThrow();
    expect(req!.headers["x-webhook-signature-previous"]).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it("sends a signed test event, and replays a delivery as a new one linked to the original", async () => {
    const inbox = await receiverInbox();
    const hook = await subscribe(inbox.url, ["incident.*"]);
    const test = await call(`/api/v1/webhooks/${hook.id}/test`, { method: "POST", headers: ops });
    expect(test.status).toBe(202);
    const [req] = await arrivals(inbox, 1);
    expect((new StandardWebhook(hook.secret).verify(req!.body, req!.headers) as { event: string }).event).toBe("webhook.test");

    const original = ((await test.json()) as { data: Delivery }).data;
    const replay = await call(`/api/v1/webhooks/deliveries/${original.id}/replay`, { method: "POST", headers: ops });
    expect(replay.status).toBe(202);
    const copy = ((await replay.json()) as { data: Delivery }).data;
    expect(copy).toMatchObject({ replay_of: original.id, event: "webhook.test" });
    const [, second] = await arrivals(inbox, 2);
    expect(second!.headers["webhook-id"]).toBe(copy.id);
    expect(
      (await call(`/api/v1/webhooks/deliveries/dlv_${"0".repeat(32)}/replay`, { method: "POST", headers: ops })).status,
    ).toBe(404);
  });
});
