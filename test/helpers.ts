import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../functions/index";

export const BASE = "https://vigil.test";
export const ADMIN_TOKEN = "test-admin-token-0123456789abcdef";

/**
 * Sends a request through the Worker's real fetch handler, with all its bindings. Each call
 * comes from its own client IP unless the test names one, so per-IP brute-force limits only
 * bite in the tests about them. The handler is called in this isolate rather than through
 * `exports.default.fetch`, whose per-request cost grows with every request a test file makes
 * (cloudflare/workers-sdk#15446); `platform.test.ts` keeps a check through the entrypoint.
 */
export async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("CF-Connecting-IP")) headers.set("CF-Connecting-IP", randomIp());
  return worker.fetch(new Request(new URL(path, BASE), { ...init, headers }), env, createExecutionContext());
}

export const randomIp = () => `10.${[0, 0, 0].map(() => Math.floor(Math.random() * 256)).join(".")}`;

export function postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export const adminHeaders = { Authorization: `Bearer ${ADMIN_TOKEN}` };

export async function createTenant(name: string): Promise<string> {
  const res = await postJson("/admin/tenants", { name }, adminHeaders);
  if (res.status !== 201) throw new Error(`tenant create failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

export async function createUser(tenantId: string, username: string, role: string, password = "correct horse battery staple") {
  const res = await postJson(`/admin/tenants/${tenantId}/users`, { username, password, role }, adminHeaders);
  if (res.status !== 201) throw new Error(`user create failed: ${res.status} ${await res.text()}`);
  return { ...((await res.json()) as { id: string }), username, password };
}

export async function createApiKey(tenantId: string, body: Record<string, unknown>) {
  const res = await postJson(`/admin/tenants/${tenantId}/api-keys`, body, adminHeaders);
  if (res.status !== 201) throw new Error(`api key create failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; key: string };
}

/** The value of a Set-Cookie header's cookie, and its attributes lowercased. */
export function parseSetCookie(res: Response, name: string) {
  const header = res.headers.getSetCookie().find((h) => h.startsWith(`${name}=`));
  if (!header) return null;
  const [pair, ...attrs] = header.split(";").map((s) => s.trim());
  return { value: pair!.slice(name.length + 1), attributes: attrs.map((a) => a.toLowerCase()) };
}

/**
 * Re-derives Vigil's current Ed25519 signing key the way jwt.ts does, so tests can forge
 * tokens that differ from real ones in exactly one claim.
 */
export async function ourSigningKey(secret: string): Promise<CryptoKey> {
  const { deriveBytes, epochOf } = await import("../functions/platform/auth/keys");
  const seed = await deriveBytes(secret, `jwt-ed25519:${epochOf(Date.now())}`);
  const prefix = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];
  return crypto.subtle.importKey("pkcs8", new Uint8Array([...prefix, ...seed]), { name: "Ed25519" }, false, ["sign"]);
}

/**
 * Sliding windows weigh the previous window by the clock, so a burst that straddles a
 * boundary sees a different count; tests about exact counts start well inside a window.
 */
export async function awayFromWindowBoundary(windowMs = 60_000, marginMs = 10_000) {
  while (windowMs - (Date.now() % windowMs) < marginMs) await new Promise((r) => setTimeout(r, 250));
}

/** Waits until `check` holds (polling), for effects that land asynchronously: queues, sockets, alarms. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Creates a user and signs them in; returns Bearer headers carrying their access token. */
export async function userHeaders(tenantId: string, username: string, role: string): Promise<Record<string, string>> {
  const user = await createUser(tenantId, username, role);
  const res = await postJson("/auth/login", { username: user.username, password: user.password });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const { access_token } = ((await res.json()) as { data: { access_token: string } }).data;
  return { Authorization: `Bearer ${access_token}` };
}

/** An OAuth client of the tenant with these scopes, and Bearer headers from its client-credentials token. */
export async function quantumHeaders(tenantId: string, scopes: string[], tier = "enterprise"): Promise<Record<string, string>> {
  const created = await postJson(`/admin/tenants/${tenantId}/oauth-clients`, { tier, scopes }, adminHeaders);
  if (created.status !== 201) throw new Error(`oauth client create failed: ${created.status} ${await created.text()}`);
  const { client_id, client_secret } = (await created.json()) as { client_id: string; client_secret: string };
  const res = await call("/v3/oauth/token", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id, client_secret }),
  });
  if (res.status !== 200) throw new Error(`token failed: ${res.status} ${await res.text()}`);
  return { Authorization: `Bearer ${((await res.json()) as { access_token: string }).access_token}` };
}

/** A fresh inbox on the local webhook receiver, answering with `responses` in turn and then `then`. */
export async function receiverInbox(script: { responses?: object[]; then?: object } = {}) {
  const name = crypto.randomUUID();
  const control = `${env.TEST_RECEIVER_URL}/_control/${name}`;
  const res = await fetch(control, { method: "POST", body: JSON.stringify(script) });
  if (res.status !== 204) throw new Error(`receiver control failed: ${res.status}`);
  return {
    url: `${env.TEST_RECEIVER_URL}/hooks/${name}`,
    requests: async () =>
      ((await (await fetch(control)).json()) as { requests: { at: number; headers: Record<string, string>; body: string }[] })
        .requests,
  };
}

/** The incident-response seed's example rule, as a client written to the seed sends it. */
export const SEED_RULE = {
  name: "Failed SSH Login Detection",
  description: "Detect multiple failed SSH login attempts",
  type: "detection",
  severity: "HIGH",
  enabled: true,
  conditions: {
    query: "SELECT * FROM logs WHERE jsonPayload.message LIKE '%Failed password%'",
    time_window: 300,
    thresholds: [{ metric: "event_count", operator: ">", value: 5 }],
  },
  actions: { notify: ["security-team"], escalate: true },
};
