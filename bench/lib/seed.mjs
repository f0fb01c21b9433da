// Creates the credentials the authenticated scenarios rotate through. Each principal stays
// under its hourly limit for the whole run, so every measured request is a served 200.
import { randomBytes } from "node:crypto";
import { ADMIN_TOKEN } from "./servers.mjs";

export const randomIp = () => `10.${[0, 0, 0].map(() => Math.floor(Math.random() * 256)).join(".")}`;

export async function post(url, path, body, headers = {}) {
  const res = await fetch(url + path, {
    method: "POST",
    headers: { "Content-Type": "application/json", "CF-Connecting-IP": randomIp(), ...headers },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path} → ${res.status} ${await res.text()}`);
  return res.json();
}

/** In parallel batches, so seeding a hundred PBKDF2 users does not dominate the run. */
export async function inBatches(n, size, make) {
  const out = [];
  for (let i = 0; i < n; i += size)
    out.push(...(await Promise.all(Array.from({ length: Math.min(size, n - i) }, (_, j) => make(i + j)))));
  return out;
}

export async function seedCredentials(url, { apiKeys, users }) {
  const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
  const tenant = await post(url, "/admin/tenants", { name: `bench-${randomBytes(4).toString("hex")}` }, admin);
  const keys = await inBatches(apiKeys, 10, (i) =>
    post(url, `/admin/tenants/${tenant.id}/api-keys`, { name: `bench-${i}`, scopes: ["read"] }, admin),
  );
  const password = randomBytes(18).toString("base64url");
  const tokens = await inBatches(users, 8, async (i) => {
    const username = `bench-${i}-${tenant.id}@bench.vigil.local`;
    await post(url, `/admin/tenants/${tenant.id}/users`, { username, password, role: "viewer" }, admin);
    return (await post(url, "/auth/login", { username, password })).data.access_token;
  });
  return {
    apiKeyHeaders: keys.map((k) => ({ "X-API-Key": k.key })),
    jwtHeaders: tokens.map((t) => ({ Authorization: `Bearer ${t}` })),
  };
}
