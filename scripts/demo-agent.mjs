// The demo tenant's agent-claims machine: one machine owned by the demo admin, one device, and a
// key bound to it, so `npm run agent` works from the first start.
import { adminRequest } from "./admin-client.mjs";

async function json(res, what) {
  const body = await res.json();
  if (!res.ok) throw new Error(`${what} → ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

/** The demo admin's user id, for credentials saved before it was recorded. */
async function userIdOf(url, creds) {
  if (creds.user_id) return creds.user_id;
  const headers = { "Content-Type": "application/json" };
  const login = await json(
    await fetch(new URL("/auth/login", url), {
      method: "POST",
      headers,
      body: JSON.stringify({ username: creds.username, password: creds.password }),
    }),
    "sign in",
  );
  const me = await json(
    await fetch(new URL("/auth/me", url), { headers: { Authorization: `Bearer ${login.data.access_token}` } }),
    "who am I",
  );
  return me.data.id;
}

export async function seedDemoAgent(cfg, creds) {
  const owner = await userIdOf(cfg.url, creds);
  const { slug } = await adminRequest(cfg, "POST", `/admin/tenants/${creds.tenant_id}/machines`, {
    owner_user_id: owner,
    visibility: "public",
  });
  const login = await fetch(new URL("/api/av/login", cfg.url), {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: creds.username, password: creds.password }),
  });
  await json(login, "owner sign-in");
  const cookie = login.headers
    .getSetCookie()
    .find((c) => c.startsWith("zeq_auth_token="))
    ?.split(";")[0];
  const device = await json(
    await fetch(new URL("/api/av/devices", cfg.url), {
      method: "POST",
      headers: { "Content-Type": "application/json", Cookie: cookie },
      body: JSON.stringify({ slug, name: "demo-laptop", os: "linux" }),
    }),
    "install a device",
  );
  const key = await adminRequest(cfg, "POST", `/admin/tenants/${creds.tenant_id}/api-keys`, {
    name: "demo-agent",
    scopes: ["write"],
    header: "X-Zeq-SM-Key",
    machine: slug,
  });
  return { slug, device_id: device.device_id, key: key.key };
}
