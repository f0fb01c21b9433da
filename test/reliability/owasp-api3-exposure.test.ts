import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminHeaders, call, postJson } from "../helpers";
import { Checks, keysOf, ok, send, world, type Headers, type World } from "./owasp-helpers";

// OWASP API3:2023 Broken object-property-level authorisation, the read side: secrets are shown
// once when they are created (or rotated) and never again; no response names a hash, a
// ciphertext or a password; and no secret is stored in plaintext.
const checks = new Checks("OWASP API3 Excessive data exposure");
let w: World;
const secrets: Record<string, string> = {};
const ids: Record<string, string> = {};

beforeAll(async () => {
  w = await world("api3x");
  const v3 = await ok(await postJson("/v3/webhooks", { url: "https://hooks.example.com/a", events: ["*"] }, w.quantum), 201);
  const v1 = await ok(await postJson("/api/v1/webhooks", { url: "https://hooks.example.com/b", events: ["*"] }, w.writeKey), 201);
  [ids.v3, ids.v1, secrets.v3Webhook, secrets.v1Webhook] = [v3.id, v1.data.id, v3.secret, v1.data.secret];
  const key = await ok(await postJson("/api/v1/auth/api-keys", { name: "exposure", scopes: ["read"] }, w.admin.headers), 201);
  [ids.key, secrets.apiKey] = [key.data.id, key.data.key];
  const client = await postJson(
    `/admin/tenants/${w.tenantId}/oauth-clients`,
    { tier: "free", scopes: ["quantum:read"] },
    adminHeaders,
  );
  secrets.clientSecret = (await ok(client, 201)).client_secret;
  secrets.password = w.admin.user.password;
  secrets.refresh = w.admin.refresh;
  secrets.relayToken = `relay-token-${crypto.randomUUID()}`;
  const relay = { base_url: "https://relay.example.com/v1", token: secrets.relayToken };
  await ok(await send("PUT", "/api/v1/notifications/providers", { email: relay }, w.admin.headers));
  secrets.slack = `https://hooks.slack.com/services/T000/B000/${crypto.randomUUID()}`;
  const channels = {
    email: { enabled: false },
    slack: { enabled: true, webhook_url: secrets.slack, severities: ["CRITICAL"] },
    sms: { enabled: false },
  };
  const prefs = { channels, quiet_hours: { enabled: false, start: "22:00", end: "07:00", timezone: "UTC" } };
  await ok(await send("PUT", "/api/v1/notifications/preferences", prefs, w.admin.headers));
});

afterAll(() => console.log(checks.summary()));

/** Keys that would carry a secret or its derivative; `previous_secret_valid_until` is a date. */
const SECRET_KEY = /password|hash|ciphertext|private|client_secret|(^|\.)secret$|(^|\.)token$|refresh_token/;

async function readAndScan(path: string, headers: Headers) {
  const res = await call(path, { headers });
  const text = await res.text();
  expect(res.status, `${path}: ${text.slice(0, 200)}`).toBe(200);
  for (const [name, value] of Object.entries(secrets)) expect(text, `${path} shows the ${name}`).not.toContain(value);
  const keys = keysOf(JSON.parse(text)).map((k) => k.replace(/\[\d+\]/g, ""));
  expect(
    keys.filter((k) => SECRET_KEY.test(k.split(".").pop()!)),
    path,
  ).toEqual([]);
  checks.hit("API3 reads");
}

describe("API3 reads never expose secrets, hashes or passwords", () => {
  it("webhooks, keys, identities, notification settings and admin listings, with every credential that can read them", async () => {
    const reads: [string, Headers][] = [
      ["/auth/me", w.admin.headers],
      ["/auth/me", { "X-API-Key": secrets.apiKey! }],
      [`/v3/webhooks/${ids.v3}`, w.quantum],
      [`/v3/webhooks/${ids.v1}`, w.admin.headers],
      ["/v3/webhooks", w.quantum],
      [`/api/v1/webhooks/${ids.v1}`, w.readKey],
      [`/api/v1/webhooks/${ids.v3}`, w.viewer.headers],
      ["/api/v1/webhooks", w.readKey],
      ["/api/v1/notifications/providers", w.admin.headers],
      ["/api/v1/notifications/preferences", w.admin.headers],
      ["/api/v1/notifications", w.admin.headers],
      ["/api/mesh/keys", w.readKey],
      ["/api/audit", w.readKey],
      ["/api/events/history", w.readKey],
      ["/v3/consensus/agents", w.manage],
      ["/admin/tenants", adminHeaders],
      ["/admin/dead-letters", adminHeaders],
    ];
    for (const [path, headers] of reads) await readAndScan(path, headers);
    const prefs = await ok(await call("/api/v1/notifications/preferences", { headers: w.admin.headers }));
    expect(prefs.data.preferences.channels.slack.webhook_url).toBe("https://hooks.slack.com/••••");
    checks.hit("API3 reads");
  });

  it("a webhook's secret is shown at creation and rotation only, never by PATCH, test or delivery reads", async () => {
    const patched = await send("PATCH", `/v3/webhooks/${ids.v3}`, { description: "x" }, w.quantum);
    expect(keysOf(await ok(patched))).not.toContain(".secret");
    const rotated = await ok(await call(`/api/v1/webhooks/${ids.v1}/rotate-secret`, { method: "POST", headers: w.writeKey }));
    expect(rotated.data.secret).toMatch(/^whsec_/);
    expect(rotated.data.secret).not.toBe(secrets.v1Webhook);
    secrets.rotated = rotated.data.secret;
    for (const path of [`/api/v1/webhooks/${ids.v1}`, `/v3/webhooks/${ids.v1}`, `/api/v1/webhooks/${ids.v1}/deliveries`])
      await readAndScan(path, path.startsWith("/v3") ? w.quantum : w.writeKey);
    checks.hit("API3 reads", 2);
  });

  it("sign-in answers tokens, never the password or a hash; admin user creation answers no password", async () => {
    const login = await postJson("/auth/login", { username: w.viewer.user.username, password: w.viewer.user.password });
    const body = await ok(login);
    expect(JSON.stringify(body)).not.toContain(w.viewer.user.password);
    expect(keysOf(body).filter((k) => /password|hash/.test(k))).toEqual([]);
    const user = await postJson(
      `/admin/tenants/${w.tenantId}/users`,
      { username: `x-${crypto.randomUUID().slice(0, 6)}@owasp.test`, password: "correct horse battery staple", role: "viewer" },
      adminHeaders,
    );
    const created = JSON.stringify(await ok(user, 201));
    expect(created).not.toContain("correct horse battery staple");
    expect(created).not.toMatch(/hash|pbkdf2/i);
    checks.hit("API3 reads", 2);
  });

  it("no secret is stored in plaintext anywhere in D1", async () => {
    const { results: tables } = await env.DB.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'd1_%'",
    ).all<{ name: string }>();
    expect(tables.length).toBeGreaterThan(10);
    for (const { name } of tables) {
      const { results } = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
      const dump = JSON.stringify(results);
      for (const [what, value] of Object.entries(secrets))
        expect(dump, `${name} holds the ${what} in plaintext`).not.toContain(value);
      checks.hit("API3 at rest");
    }
  });
});
