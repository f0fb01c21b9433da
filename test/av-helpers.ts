import { expect } from "vitest";
import { adminHeaders, createApiKey, parseSetCookie, postJson } from "./helpers";

/** An owner's `zeq_auth_token` cookie, as an agent-claims client gets it from /api/av/login. */
export async function ownerCookie(user: { username: string; password: string }): Promise<Record<string, string>> {
  const login = await postJson("/api/av/login", { username: user.username, password: user.password });
  expect(login.status).toBe(200);
  return { Cookie: `zeq_auth_token=${parseSetCookie(login, "zeq_auth_token")!.value}` };
}

export async function createMachine(tenantId: string, slug: string, ownerId: string, visibility = "private"): Promise<void> {
  const res = await postJson(`/admin/tenants/${tenantId}/machines`, { slug, owner_user_id: ownerId, visibility }, adminHeaders);
  expect(res.status).toBe(201);
}

export async function addDevice(slug: string, cookie: Record<string, string>, name = "host"): Promise<string> {
  const res = await postJson("/api/av/devices", { slug, name, os: "linux" }, cookie);
  expect(res.status).toBe(201);
  return ((await res.json()) as { device_id: string }).device_id;
}

/** A write-scoped X-Zeq-SM-Key bound to the machine. */
export async function machineKey(tenantId: string, slug: string): Promise<Record<string, string>> {
  const { key } = await createApiKey(tenantId, {
    name: `agent-${slug}`,
    scopes: ["write"],
    header: "X-Zeq-SM-Key",
    machine: slug,
  });
  return { "X-Zeq-SM-Key": key };
}
