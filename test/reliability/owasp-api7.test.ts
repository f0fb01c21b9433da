import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../functions/app";
import { BASE, call, eventually, postJson, receiverInbox } from "../helpers";
import { Checks, ok, refused, send, world, type Headers, type World } from "./owasp-helpers";

// OWASP API7:2023 Server-side request forgery: every URL Vigil will later fetch (webhook
// endpoints under both families, notification relays and Slack webhooks) is refused when it
// names a private, loopback, link-local or reserved address in any spelling; deliveries check
// again and never follow redirects.
const checks = new Checks("OWASP API7 Server-side request forgery");
let w: World;
let v3Hook: string;
let v1Hook: string;

const PRIVATE = [
  "https://127.0.0.1/",
  "https://127.1/",
  "https://0x7f000001/",
  "https://0x7f.1/",
  "https://2130706433/",
  "https://017700000001/",
  "https://0177.0.0.1/",
  "https://127.0.0.1./",
  "https://%31%32%37.0.0.1/",
  "https://0.0.0.0/",
  "https://0/",
  "https://localhost/",
  "https://LOCALHOST/",
  "https://localhost./",
  "https://localhost../",
  "https://foo.localhost/",
  "https://foo.localhost./",
  "https://printer.local/",
  "https://metadata.google.internal/",
  "https://metadata.google.internal./",
  "https://intranet/",
  "https://intranet./",
  "https://[::1]/",
  "https://[0:0:0:0:0:0:0:1]/",
  "https://[::]/",
  "https://[::ffff:127.0.0.1]/",
  "https://[::ffff:7f00:1]/",
  "https://[::ffff:a9fe:a9fe]/",
  "https://[::127.0.0.1]/",
  "https://[::a9fe:a9fe]/",
  "https://[64:ff9b::7f00:1]/",
  "https://10.0.0.1/",
  "https://172.16.0.1/",
  "https://172.31.255.255/",
  "https://192.168.0.1/",
  "https://169.254.169.254/latest/meta-data/",
  "https://100.64.0.1/",
  "https://198.18.0.1/",
  "https://224.0.0.1/",
  "https://255.255.255.255/",
  "https://[fd00::1]/",
  "https://[fc00::1]/",
  "https://[fe80::1]/",
  "https://[ff02::1]/",
  "http://hooks.example.com/",
  "ftp://hooks.example.com/",
  "file:///etc/passwd",
  "gopher://127.0.0.1:6379/_PING",
  "https://good.example.com@127.0.0.1/",
  "https://user:pass@hooks.example.com/",
  "https://127.0.0.1\\@good.example.com/",
  "https://127.0.0.1#@good.example.com/",
  "https://good.example.com%40127.0.0.1/",
  "//127.0.0.1/",
  "not a url",
];

beforeAll(async () => {
  w = await world("api7");
  v3Hook = (await ok(await postJson("/v3/webhooks", { url: "https://hooks.example.com/a", events: ["*"] }, w.quantum), 201)).id;
  const created = await postJson("/api/v1/webhooks", { url: "https://hooks.example.com/b", events: ["*"] }, w.writeKey);
  v1Hook = (await ok(created, 201)).data.id;
});

afterAll(() => console.log(checks.summary()));

/** Every way a URL reaches Vigil's outbound fetches, as [label, method, path, body, headers]. */
function writers(url: string): [string, string, string, unknown, Headers][] {
  const channels = {
    email: { enabled: false },
    slack: { enabled: true, webhook_url: url, severities: ["CRITICAL"] },
    sms: { enabled: false },
  };
  return [
    ["create /v3/webhooks", "POST", "/v3/webhooks", { url, events: ["*"] }, w.quantum],
    ["create /api/v1/webhooks", "POST", "/api/v1/webhooks", { url, events: ["*"] }, w.writeKey],
    ["patch /v3/webhooks", "PATCH", `/v3/webhooks/${v3Hook}`, { url }, w.quantum],
    ["patch /api/v1/webhooks", "PATCH", `/api/v1/webhooks/${v1Hook}`, { url }, w.admin.headers],
    ["email relay", "PUT", "/api/v1/notifications/providers", { email: { base_url: url, token: "t" } }, w.admin.headers],
    ["sms relay", "PUT", "/api/v1/notifications/providers", { sms: { base_url: url, token: "t" } }, w.admin.headers],
    ["slack webhook", "PUT", "/api/v1/notifications/preferences", { channels }, w.admin.headers],
  ];
}

describe("API7 private addresses in every spelling", () => {
  it.each(PRIVATE)("refuses %s with 400 wherever a URL is taken", async (url) => {
    for (const [label, method, path, body, headers] of writers(url)) {
      const text = await refused(await send(method, path, body, headers), [400], path);
      expect(text, label).toMatch(/refused|url|URL|Invalid/);
      checks.hit("API7 URLs refused");
    }
  });

  it("accepts a public https URL everywhere (so the refusals are about the address)", async () => {
    for (const [label, method, path, body, headers] of writers("https://hooks.example.com/ok")) {
      expect((await send(method, path, body, headers)).status, label).toBeLessThan(300);
      checks.hit("API7 URLs refused");
    }
  });

  it("outside development, loopback http receivers are refused too", async () => {
    const production = { ...env, ENVIRONMENT: "production" };
    for (const url of ["http://127.0.0.1:8080/hook", "http://localhost:8080/hook", "https://127.0.0.1:8443/hook"]) {
      const res = await buildApp().request(
        `${BASE}/v3/webhooks`,
        {
          method: "POST",
          headers: { ...w.quantum, "Content-Type": "application/json" },
          body: JSON.stringify({ url, events: ["*"] }),
        },
        production,
        createExecutionContext(),
      );
      await refused(res, [400], "/v3/webhooks");
      checks.hit("API7 URLs refused");
    }
    // Development allows exactly loopback http with a port, nothing wider.
    for (const url of ["http://10.0.0.1:8080/", "http://127.0.0.1/", "http://[::1]:8080/", "http://0.0.0.0:8080/"]) {
      await refused(await postJson("/v3/webhooks", { url, events: ["*"] }, w.quantum), [400], "/v3/webhooks");
      checks.hit("API7 URLs refused");
    }
  });
});

describe("API7 deliveries", () => {
  const detail = async (id: string) => (await ok(await call(`/api/v1/webhooks/deliveries/${id}`, { headers: w.writeKey }))).data;

  it("check the URL again at delivery: a stored private URL is never fetched", async () => {
    const inbox = await receiverInbox();
    const hook = (await ok(await postJson("/api/v1/webhooks", { url: inbox.url, events: ["*"] }, w.writeKey), 201)).data;
    // As if the row predated a stricter policy, or was written around the API.
    await env.DB.prepare("UPDATE webhooks SET url = ? WHERE id = ?")
      .bind("https://169.254.169.254/latest/meta-data", hook.id)
      .run();
    const sent = await ok(await call(`/api/v1/webhooks/${hook.id}/test`, { method: "POST", headers: w.writeKey }), 202);
    let d: any;
    await eventually(async () => (d = await detail(sent.data.id)).status !== "pending");
    expect(d.status).toBe("failed");
    expect(d.attempt_log[0]).toMatchObject({ status_code: null });
    expect(d.attempt_log[0].error).toMatch(/refused/);
    expect(await inbox.requests()).toHaveLength(0);
    checks.hit("API7 deliveries", 3);
  });

  it("never follow a redirect, to a private address or anywhere else", async () => {
    const elsewhere = await receiverInbox();
    for (const location of ["http://169.254.169.254/latest/meta-data/", elsewhere.url]) {
      const inbox = await receiverInbox({ then: { status: 302, headers: { Location: location } } });
      const body = {
        url: inbox.url,
        events: ["*"],
        retry_policy: { max_attempts: 1, backoff_multiplier: 1, max_backoff_seconds: 0 },
      };
      const hook = (await ok(await postJson("/api/v1/webhooks", body, w.writeKey), 201)).data;
      const sent = await ok(await call(`/api/v1/webhooks/${hook.id}/test`, { method: "POST", headers: w.writeKey }), 202);
      let d: any;
      await eventually(async () => (d = await detail(sent.data.id)).status !== "pending");
      expect(d.status).toBe("failed");
      expect(d.attempt_log.map((a: { status_code: number }) => a.status_code)).toEqual([302]);
      expect(await inbox.requests()).toHaveLength(1);
      checks.hit("API7 deliveries", 2);
    }
    expect(await elsewhere.requests()).toHaveLength(0);
    checks.hit("API7 deliveries");
  });
});
