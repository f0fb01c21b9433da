// Node-side API calls for the end-to-end tests: as the admin, and as seeded users (by cookie or token).
import assert from "node:assert/strict";
import { config, eventually, SESSION_COOKIE, TIMEOUTS, uniqueIp, users } from "./config.mjs";

/**
 * One request to the Worker from Node. `cookie` is a Cookie header value (e.g. from `sessionFor`),
 * `token` a bearer token. Returns `{ status, headers, body }` (JSON parsed when it is JSON); never
 * throws on an HTTP status.
 */
export async function api(path, { method = "GET", body, cookie, token, headers = {}, ip = uniqueIp() } = {}) {
  const res = await fetch(new URL(path, config.apiUrl), {
    method,
    headers: {
      Accept: "application/json",
      "CF-Connecting-IP": ip,
      ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
      ...(cookie ? { Cookie: cookie } : {}),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(TIMEOUTS.navigation),
  });
  const text = await res.text();
  let parsed = text;
  if ((res.headers.get("Content-Type") ?? "").includes("json") && text) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed };
}

/** The admin API (`/admin/*`, ADMIN_TOKEN); throws with the status and title on an error. */
export async function adminApi(method, path, body) {
  const res = await api(path, { method, body, token: config.adminToken });
  if (res.status >= 400) throw new Error(`${method} ${path} → ${res.status}: ${res.body?.title ?? JSON.stringify(res.body)}`);
  return res.body;
}

/** A seeded user by role name ("admin", "analyst", "responder", "viewer"), or a user object as is. */
export const userOf = (who) => (typeof who === "string" ? (users[who] ?? assert.fail(`no seeded user "${who}"`)) : who);

/** A one-time authorization code (10 minutes) for a user of the tenant, with that user's role. */
export async function mintCode(who = "admin") {
  const user = userOf(who);
  const { code } = await adminApi("POST", `/admin/tenants/${config.tenantId}/auth-codes`, { role: user.role, user_id: user.id });
  return code;
}

/** A `qecnet_session` cookie for a user, from a fresh code (as the console's code sign-in gets it): "qecnet_session=…". */
export async function sessionFor(who = "admin") {
  const res = await api("/api/auth", { method: "POST", body: { code: await mintCode(who) } });
  assert.equal(res.status, 200, `exchanging a code for ${userOf(who).role}: ${JSON.stringify(res.body)}`);
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  assert.ok(cookie, "POST /api/auth set no session cookie");
  return cookie.split(";")[0];
}

/** An access token (incident-response JWT) for a user, from `POST /auth/login`. */
export async function tokenFor(who = "admin") {
  const user = userOf(who);
  const res = await api("/auth/login", { method: "POST", body: { username: user.username, password: user.password } });
  assert.equal(res.status, 200, `signing in ${user.username}: ${JSON.stringify(res.body)}`);
  return res.body.data.access_token;
}

/**
 * An API client acting as a user through a session cookie (accepted by the command console,
 * incident-response and quantum routes): `client.get(path)`, `.post(path, body)`, `.put`,
 * `.patch`, `.delete`. Each throws on a non-2xx status and unwraps the incident family's
 * `{success, data}` envelope; `client.raw(method, path, body)` returns `{status, body}` instead.
 */
export async function userClient(who = "admin") {
  const user = userOf(who);
  const cookie = await sessionFor(user);
  const ip = uniqueIp();
  const raw = (method, path, body) => api(path, { method, body, cookie, ip });
  const call = async (method, path, body) => {
    const res = await raw(method, path, body);
    if (res.status >= 300) throw new Error(`${user.role}: ${method} ${path} → ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body && typeof res.body === "object" && res.body.success === true && "data" in res.body ? res.body.data : res.body;
  };
  return {
    user,
    cookie,
    raw,
    get: (path) => call("GET", path),
    post: (path, body = {}) => call("POST", path, body),
    put: (path, body) => call("PUT", path, body),
    patch: (path, body) => call("PATCH", path, body),
    delete: (path) => call("DELETE", path),
  };
}

/** Opens an incident as a user (analyst or above) → the incident (`id`, `incident_id`, …). */
export async function createIncident(who = "analyst", fields = {}) {
  const client = await userClient(who);
  const { incident } = await client.post("/api/v1/incidents", {
    type: "e2e_test",
    severity: "HIGH",
    description: `End-to-end test incident (${config.runId})`,
    affected_resources: ["grid-03"],
    ...fields,
  });
  return incident;
}

/** The newest threat events of the tenant (the simulated stream), newest first. */
export async function latestEvents(client, limit = 5) {
  return (await client.get(`/api/events/history?limit=${limit}`)).events;
}

/** A mesh node as the API shows it (`state`: NOMINAL | WARNING | CRITICAL | ISOLATED). */
export async function meshNode(client, nodeId) {
  return client.get(`/api/mesh/nodes/${encodeURIComponent(nodeId)}`);
}
