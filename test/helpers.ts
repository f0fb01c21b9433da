import { exports } from "cloudflare:workers";

export const BASE = "https://vigil.test";
export const ADMIN_TOKEN = "test-admin-token-0123456789abcdef";

/** Sends a request through the Worker's real fetch handler, with all its bindings. */
export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(new URL(path, BASE), init));
}

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
