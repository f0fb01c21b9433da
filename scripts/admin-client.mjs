// A small client for Vigil's /admin API, shared by the dev launcher and the admin CLI.
import { existsSync } from "node:fs";
import { readDevVars, DEV_VARS } from "./dev-vars.mjs";

export function adminConfig() {
  const port = process.env.PORT ?? "8787";
  const url = process.env.VIGIL_URL ?? `http://localhost:${port}`;
  const token = process.env.ADMIN_TOKEN ?? (existsSync(DEV_VARS) ? readDevVars().ADMIN_TOKEN : undefined);
  if (!token) throw new Error("No admin token: set ADMIN_TOKEN or run `npm run dev` once to create .dev.vars");
  return { url, token };
}

export async function adminRequest({ url, token }, method, path, body) {
  const res = await fetch(new URL(path, url), {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (res.status === 204) return null;
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const err = new Error(`${method} ${path} → ${res.status}: ${data?.title ?? text}`);
    err.status = res.status;
    err.body = data;
    throw err;
  }
  return data;
}
