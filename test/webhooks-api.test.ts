import { beforeAll, describe, expect, it } from "vitest";
import { retryAfterSeconds, retryDelay } from "../functions/webhooks/retry";
import { checkWebhookUrl } from "../functions/webhooks/url-policy";
import { call, createApiKey, createTenant, postJson, quantumHeaders, userHeaders } from "./helpers";

type Webhook = { id: string; url: string; events: string[]; active: boolean; secret?: string; retry_policy: unknown };
type Envelope<T> = { success: boolean; data: T; meta: { request_id: string } };

let tenantId: string;
let quantum: Record<string, string>;
let quantumReader: Record<string, string>;
let responder: Record<string, string>;
let viewerKey: Record<string, string>;
const URL_OK = "https://hooks.example.com/vigil";

beforeAll(async () => {
  tenantId = await createTenant("webhooks-api");
  quantum = await quantumHeaders(tenantId, ["quantum:read", "quantum:write"]);
  quantumReader = await quantumHeaders(tenantId, ["quantum:read"]);
  responder = await userHeaders(tenantId, "rita@webhooks.test", "responder");
  viewerKey = { "X-API-Key": (await createApiKey(tenantId, { name: "viewer", scopes: ["read"] })).key };
});

const patch = (path: string, body: unknown, headers: Record<string, string>) =>
  call(path, { method: "PATCH", headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });

describe("/v3/webhooks (quantum defense)", () => {
  it("creates with the seed's body, shows the secret once, then reads, updates and deletes", async () => {
    const seedSecret = "Yk3vN0m9Wq2rZ8tL5xA1cB7dE4fG6hJ-_sPqRuVwXyz"; // secrets.token_urlsafe(32)
    const created = await postJson(
      "/v3/webhooks",
      {
        url: URL_OK,
        events: ["quantum.attack.detected", "consensus.failed"],
        secret: seedSecret,
        active: true,
        retry_policy: { max_attempts: 3, backoff_multiplier: 2, max_backoff_seconds: 60 },
      },
      quantum,
    );
    expect(created.status).toBe(201);
    const hook = (await created.json()) as Webhook;
    expect(hook).toMatchObject({ url: URL_OK, active: true, secret: seedSecret });
    expect(hook.id).toMatch(/^whk_[0-9a-f]{32}$/);

    const got = (await (await call(`/v3/webhooks/${hook.id}`, { headers: quantumReader })).json()) as Webhook;
    expect(got.secret).toBeUndefined();
    expect(got.retry_policy).toEqual({ max_attempts: 3, backoff_multiplier: 2, max_backoff_seconds: 60 });

    const updated = await patch(`/v3/webhooks/${hook.id}`, { events: ["incident.*"], active: false }, quantum);
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({ events: ["incident.*"], active: false });

    const listed = (await (await call("/v3/webhooks", { headers: quantum })).json()) as { webhooks: Webhook[] };
    expect(listed.webhooks.map((w) => w.id)).toContain(hook.id);
    expect((await call(`/v3/webhooks/${hook.id}`, { method: "DELETE", headers: quantum })).status).toBe(204);
    expect((await call(`/v3/webhooks/${hook.id}`, { headers: quantum })).status).toBe(404);
  });

  it("generates a whsec_ secret when none is given, and lists the event catalog", async () => {
    const created = (await (await postJson("/v3/webhooks", { url: URL_OK, events: ["*"] }, quantum)).json()) as Webhook;
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const types = (await (await call("/v3/webhooks/event-types", { headers: quantumReader })).json()) as {
      event_types: { type: string }[];
      wildcards: string[];
    };
    expect(types.event_types.map((t) => t.type)).toEqual(
      expect.arrayContaining(["incident.created", "quantum.canary.triggered", "av.threat.detected", "command.executed"]),
    );
    expect(types.wildcards).toContain("incident.*");
  });

  it("refuses bad input, missing scope and other tenants' webhooks", async () => {
    const bad = async (body: unknown, headers = quantum) => (await postJson("/v3/webhooks", body, headers)).status;
    expect(await bad({ url: URL_OK, events: ["quantum.made.up"] })).toBe(400);
    expect(await bad({ url: URL_OK, events: [] })).toBe(400);
    expect(await bad({ url: "http://hooks.example.com", events: ["*"] })).toBe(400);
    expect(await bad({ url: URL_OK, events: ["*"], secret: "short" })).toBe(400);
    expect(
      await bad({
        url: URL_OK,
        events: ["*"],
        retry_policy: { max_attempts: 99, backoff_multiplier: 2, max_backoff_seconds: 1 },
      }),
    ).toBe(400);
    expect(await bad({ url: URL_OK, events: ["*"] }, quantumReader)).toBe(403);
    const malformed = await call("/v3/webhooks", {
      method: "POST",
      headers: { "Content-Type": "application/json", ...quantum },
      body: "{",
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBeDefined();

    const mine = (await (await postJson("/v3/webhooks", { url: URL_OK, events: ["*"] }, quantum)).json()) as Webhook;
    const other = await createTenant("webhooks-other");
    const theirs = await quantumHeaders(other, ["quantum:read", "quantum:write"]);
    expect((await call(`/v3/webhooks/${mine.id}`, { headers: theirs })).status).toBe(404);
    expect((await call(`/v3/webhooks/${mine.id}`, { method: "DELETE", headers: theirs })).status).toBe(404);
    expect((await call("/v3/webhooks/not-an-id", { headers: quantum })).status).toBe(400);
    expect((await call("/v3/webhooks")).status).toBe(401);
  });
});

describe("/api/v1/webhooks (incident response envelope)", () => {
  it("serves the same resource in {success, data, meta}, to responders", async () => {
    const created = await postJson("/api/v1/webhooks", { url: URL_OK, events: ["incident.*", "rule.triggered"] }, responder);
    expect(created.status).toBe(201);
    const body = (await created.json()) as Envelope<Webhook>;
    expect(body.success).toBe(true);
    expect(body.data.secret).toMatch(/^whsec_/);
    expect(body.meta.request_id).toBeDefined();
    // The quantum defense view lists it too: one resource.
    const viaQuantum = (await (await call("/v3/webhooks", { headers: quantum })).json()) as { webhooks: Webhook[] };
    expect(viaQuantum.webhooks.map((w) => w.id)).toContain(body.data.id);

    expect((await postJson("/api/v1/webhooks", { url: URL_OK, events: ["*"] }, viewerKey)).status).toBe(403);
    const missing = await call("/api/v1/webhooks/whk_00000000000000000000000000000000", { headers: responder });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { success: boolean }).success).toBe(false);
  });
});

describe("SSRF protection", () => {
  const refused = [
    "http://example.com/hook",
    "https://user:pass@example.com/hook",
    "https://127.0.0.1/hook",
    "https://2130706433/hook",
    "https://0x7f000001/hook",
    "https://0177.0.0.1/hook",
    "https://127.1/hook",
    "https://10.1.2.3/",
    "https://172.16.0.1/",
    "https://192.168.1.1/",
    "https://169.254.169.254/latest/meta-data",
    "https://100.64.0.1/",
    "https://0.0.0.0/",
    "https://[::1]/",
    "https://[fd00::1]/",
    "https://[fe80::1]/",
    "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:7f00:1]/",
    "https://localhost/",
    "https://metadata.internal/",
    "https://intranet/",
    "ftp://example.com/",
  ];
  it.each(refused)("refuses %s in production", (url) => {
    expect(() => checkWebhookUrl(url, false)).toThrow(/Webhook URL refused/);
  });
  it("accepts public https URLs, and loopback http with a port only in development", () => {
    expect(checkWebhookUrl("https://hooks.example.com/x", false).hostname).toBe("hooks.example.com");
    expect(checkWebhookUrl("https://8.8.8.8/x", false).hostname).toBe("8.8.8.8");
    expect(() => checkWebhookUrl("http://127.0.0.1:8080/x", false)).toThrow();
    expect(checkWebhookUrl("http://127.0.0.1:8080/x", true).port).toBe("8080");
    expect(() => checkWebhookUrl("http://10.0.0.1:8080/x", true)).toThrow();
  });
  it("refuses them through the API as well", async () => {
    for (const url of ["https://169.254.169.254/", "https://[::1]/", "https://0x0a000001/"])
      expect((await postJson("/v3/webhooks", { url, events: ["*"] }, quantum)).status).toBe(400);
  });
});

describe("retry schedule", () => {
  const none = () => 0.5; // no jitter
  it("follows Svix's schedule by default: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then stops", () => {
    const delays = Array.from({ length: 8 }, (_, i) => retryDelay(null, i + 1, none));
    expect(delays).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000, null]);
  });
  it("grows by the policy's multiplier up to its cap, for max_attempts attempts in all", () => {
    const policy = { max_attempts: 5, backoff_multiplier: 3, max_backoff_seconds: 60 };
    expect([1, 2, 3, 4, 5].map((a) => retryDelay(policy, a, none))).toEqual([5, 15, 45, 60, null]);
  });
  it("jitters within ±10 %, and reads Retry-After as seconds or a date", () => {
    expect(retryDelay(null, 2, () => 0)).toBe(270);
    expect(retryDelay(null, 2, () => 1)).toBe(330);
    expect(retryAfterSeconds("120")).toBe(120);
    expect(retryAfterSeconds(new Date(Date.now() + 30_000).toUTCString())).toBeGreaterThanOrEqual(29);
    expect(retryAfterSeconds("soon")).toBeNull();
  });
});
