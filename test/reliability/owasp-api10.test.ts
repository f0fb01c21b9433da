import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { buildApp } from "../../functions/app";
import { BASE, call, eventually, postJson, randomIp, receiverInbox } from "../helpers";
import { Checks, ok, world, type World } from "./owasp-helpers";

// OWASP API10:2023 Unsafe consumption of APIs: what Vigil calls can be slow, huge, malformed or
// hostile. Webhook receivers cannot hang or crash delivery, nor park a delivery for good; the
// Upstash rate-limit backend answering garbage, slowly or not at all gets the documented fail
// modes (credentials and writes closed with 503, reads open).
const checks = new Checks("OWASP API10 Unsafe consumption of APIs");
let w: World;
const ONE_ATTEMPT = { max_attempts: 1, backoff_multiplier: 1, max_backoff_seconds: 0 };

beforeAll(async () => {
  w = await world("api10");
});

afterAll(() => console.log(checks.summary()));
afterEach(() => vi.restoreAllMocks());

async function hookFor(script: object, retry_policy: object | null = ONE_ATTEMPT) {
  const inbox = await receiverInbox(script);
  const created = await postJson("/api/v1/webhooks", { url: inbox.url, events: ["*"], retry_policy }, w.writeKey);
  return { inbox, id: (await ok(created, 201)).data.id as string };
}
const testSend = async (id: string) =>
  (await ok(await call(`/api/v1/webhooks/${id}/test`, { method: "POST", headers: w.writeKey }), 202)).data.id as string;
const detail = async (id: string) => (await ok(await call(`/api/v1/webhooks/deliveries/${id}`, { headers: w.writeKey }))).data;
/** The delivery's final state (succeeded or failed), however long the attempt's bookkeeping lags under load. */
async function finished(id: string, ms = 25_000) {
  let d: any;
  await eventually(async () => (d = await detail(id)).status !== "pending", ms);
  return d;
}

describe("API10 webhook receivers", () => {
  it("a receiver that never answers is cut off at 15 s while another endpoint is served at once", async () => {
    const slow = await hookFor({ then: { status: 200, delayMs: 25_000 } });
    const fast = await hookFor({ then: { status: 204 } });
    // Sent together, so one queue batch carries both: deliveries in a batch run concurrently.
    const [slowId, fastId] = await Promise.all([testSend(slow.id), testSend(fast.id)]);
    const quick = await finished(fastId, 14_000);
    expect(quick.status).toBe("succeeded");
    // Served while the slow receiver still holds its attempt open.
    expect((await detail(slowId)).attempt_log).toEqual([]);
    const d = await finished(slowId, 40_000);
    expect(d.status).toBe("failed");
    expect(d.attempt_log[0]).toMatchObject({ status_code: null, error: "timed out after 15 s" });
    // Cut off at the timeout, well before the receiver's 25 s answer.
    expect(d.attempt_log[0].latency_ms).toBeGreaterThanOrEqual(14_000);
    expect(d.attempt_log[0].latency_ms).toBeLessThan(22_000);
    checks.hit("API10 receivers", 4);
  }, 90_000);

  it("huge and binary answers are read no further than a 1 KiB excerpt", async () => {
    const huge = "A".repeat(8 * 1024 * 1024);
    for (const [status, body, outcome] of [
      [200, huge, "succeeded"],
      [500, huge, "failed"],
      [200, "\u0000\uffff\ud800garbage\u0000".repeat(200), "succeeded"],
    ] as const) {
      const hook = await hookFor({ then: { status, body, headers: { "Content-Type": "application/octet-stream" } } });
      const d = await finished(await testSend(hook.id));
      expect(d.status).toBe(outcome);
      expect(d.attempt_log[0].status_code).toBe(status);
      expect(new TextEncoder().encode(d.attempt_log[0].response_excerpt).length).toBeLessThanOrEqual(1024 * 3);
      expect(d.attempt_log[0].response_excerpt.length).toBeLessThanOrEqual(1024);
      checks.hit("API10 receivers", 3);
    }
  }, 90_000);

  it("a hostile Retry-After cannot park a delivery past the queue's 12-hour horizon", async () => {
    for (const retryAfter of ["99999999", new Date(Date.now() + 365 * 86_400_000).toUTCString(), "soon", "-5"]) {
      const policy = { max_attempts: 3, backoff_multiplier: 1, max_backoff_seconds: 0 };
      const hook = await hookFor({ then: { status: 503, headers: { "Retry-After": retryAfter } } }, policy);
      const id = await testSend(hook.id);
      let d: any;
      await eventually(async () => (d = await detail(id)).next_attempt_at !== null || d.status !== "pending");
      const wait = d.attempt_log[0].retry_in_seconds as number;
      expect(wait, retryAfter).toBeGreaterThanOrEqual(0);
      expect(wait, retryAfter).toBeLessThanOrEqual(12 * 3600);
      expect(Date.parse(d.next_attempt_at) - Date.now(), retryAfter).toBeLessThanOrEqual(12 * 3600 * 1000 + 5000);
      checks.hit("API10 receivers", 2);
    }
  });
});

describe("API10 the Upstash rate-limit backend misbehaving", () => {
  /** The local receiver standing in for Upstash's REST API with a scripted answer. */
  async function upstash(script: object) {
    const inbox = await receiverInbox({ then: script });
    return { inbox, env: { ...env, UPSTASH_REDIS_REST_URL: inbox.url, UPSTASH_REDIS_REST_TOKEN: "token" } };
  }
  const through = (environment: typeof env, path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set("CF-Connecting-IP", randomIp());
    return buildApp().request(`${BASE}${path}`, { ...init, headers }, environment, createExecutionContext());
  };

  const behaviours: [string, object][] = [
    ["HTML instead of JSON", { status: 200, body: "<html><body>502 Bad Gateway</body></html>" }],
    ["a server error", { status: 500, body: '{"error":"ERR internal"}' }],
    ["a wrong token", { status: 401, body: '{"error":"WRONGPASS invalid password"}' }],
    ["a null result", { status: 200, body: '{"result":null}' }],
    ["a result of the wrong type", { status: 200, body: '{"result":"not-a-number"}' }],
    ["empty arrays", { status: 200, body: '[{"result":[]},{"result":[]}]' }],
    ["an answer after 3 s", { status: 200, body: '{"result":[1,2]}', delayMs: 3000 }],
  ];

  it.each(behaviours)("answering %s: credentials and writes 503 with Retry-After, reads served", async (_, script) => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const { inbox, env: broken } = await upstash(script);
    const login = await through(broken, "/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: w.viewer.user.username, password: w.viewer.user.password }),
    });
    expect(login.status).toBe(503);
    expect(login.headers.get("Retry-After")).toBe("5");
    expect(((await login.json()) as { error: { code: string } }).error.code).toBe("SERVICE_UNAVAILABLE");
    const write = await through(broken, "/api/v1/incidents", {
      method: "POST",
      headers: { "Content-Type": "application/json", ...w.writeKey },
      body: JSON.stringify({ type: "custom_alert", severity: "LOW" }),
    });
    expect(write.status).toBe(503);
    const read = await through(broken, "/auth/me", { headers: w.readKey });
    expect(read.status).toBe(200);
    expect(read.headers.get("X-RateLimit-Limit")).toBeNull();
    expect((await inbox.requests()).length).toBeGreaterThan(0);
    checks.hit("API10 rate-limit backend", 4);
  });

  it("unreachable: the same fail modes, and the console's event reads stay open", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const down = { ...env, UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9", UPSTASH_REDIS_REST_TOKEN: "x" };
    const token = await through(down, "/v3/oauth/token", { method: "POST", body: "grant_type=client_credentials" });
    expect(token.status).toBe(503);
    expect((await through(down, "/api/events", { headers: w.readKey })).status).toBe(200);
    expect((await through(down, "/api/isolate-node", { method: "POST", headers: w.writeKey })).status).toBe(503);
    checks.hit("API10 rate-limit backend", 3);
  });
});
