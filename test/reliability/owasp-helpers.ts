import { expect } from "vitest";
import { adminHeaders, call, createApiKey, createTenant, createUser, parseSetCookie, postJson, quantumHeaders } from "../helpers";
import { familyOf } from "../../functions/platform/families";
import { envelopeProblem } from "./envelopes";

/**
 * Shared pieces of the OWASP API Security Top 10 (2023) checks: a per-file counter of checks
 * by group (printed in afterAll), assertions that count themselves, and a tenant with one
 * credential of every kind.
 */
export class Checks {
  readonly counts: Record<string, number> = {};
  constructor(readonly title: string) {}

  /** Counts one check of the group (call where the assertion is made). */
  hit(group: string, n = 1): void {
    this.counts[group] = (this.counts[group] ?? 0) + n;
  }

  summary(): string {
    const rows = Object.entries(this.counts).map(([g, n]) => `  ${g}: ${n} checks`);
    const total = Object.values(this.counts).reduce((a, b) => a + b, 0);
    return `\n${this.title}: ${total} checks\n${rows.join("\n")}`;
  }
}

export type Headers = Record<string, string>;

/** Sends JSON (or no body at all) with any method. */
export const send = (method: string, path: string, body: unknown, headers: Headers = {}) =>
  body === undefined
    ? call(path, { method, headers })
    : call(path, { method, headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });

/**
 * The family's envelope check (./envelopes.ts), plus the platform's own: outside every family
 * (/healthz, /docs, …) errors are RFC 9457 problem details, as README "Errors" says.
 */
export function envelopeOf(path: string, res: Response, text: string): string | null {
  return envelopeProblem(familyOf(path) === "platform" && !path.startsWith("/admin") ? "/admin" : path, res, text);
}

/**
 * Asserts a refusal: one of `statuses`, in the envelope of the family `path` belongs to, and
 * (when given) without any of `secrets` in the body. Returns the body text.
 */
export async function refused(res: Response, statuses: number[], path: string, secrets: string[] = []): Promise<string> {
  const text = await res.text();
  expect(statuses, `${path} → ${res.status}: ${text.slice(0, 300)}`).toContain(res.status);
  expect(envelopeOf(path, res, text), path).toBeNull();
  for (const s of secrets) expect(text, `${path} leaks ${s}`).not.toContain(s);
  return text;
}

/** The JSON body of a success, failing with the body when the status is not the one expected. */
export async function ok<T = any>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  expect(res.status, text.slice(0, 400)).toBe(status);
  return JSON.parse(text) as T;
}

/** The console's session cookie for a new user of the tenant with this role (from an authorization code). */
export async function consoleCookie(tenant: string, role: string): Promise<Headers> {
  const user = await createUser(tenant, `${role}-${crypto.randomUUID().slice(0, 8)}@owasp.test`, role);
  const minted = await postJson(`/admin/tenants/${tenant}/auth-codes`, { role, user_id: user.id }, adminHeaders);
  const { code } = await ok<{ code: string }>(minted, 201);
  const res = await postJson("/api/auth", { code });
  expect(res.status).toBe(200);
  return { Cookie: `qecnet_session=${parseSetCookie(res, "qecnet_session")!.value}` };
}

export interface SignedIn {
  user: { id: string; username: string; password: string };
  headers: Headers;
  refresh: string;
}

/** Creates a user and signs in at /auth/login: Bearer headers and the refresh token. */
export async function signIn(tenant: string, role: string, label = role): Promise<SignedIn> {
  const user = await createUser(tenant, `${label}-${crypto.randomUUID().slice(0, 8)}@owasp.test`, role);
  const res = await postJson("/auth/login", { username: user.username, password: user.password });
  const { data } = await ok<{ data: { access_token: string; refresh_token: string } }>(res);
  return { user, headers: { Authorization: `Bearer ${data.access_token}` }, refresh: data.refresh_token };
}

export interface World {
  tenantId: string;
  admin: SignedIn;
  responder: SignedIn;
  viewer: SignedIn;
  writeKey: Headers;
  readKey: Headers;
  quantum: Headers;
  manage: Headers;
}

/** A tenant with an admin, a responder and a viewer (JWTs), write and read API keys, and OAuth clients. */
export async function world(label: string): Promise<World> {
  const tenantId = await createTenant(`owasp-${label}-${crypto.randomUUID().slice(0, 8)}`);
  const [admin, responder, viewer] = [
    await signIn(tenantId, "admin"),
    await signIn(tenantId, "responder"),
    await signIn(tenantId, "viewer"),
  ];
  return {
    tenantId,
    admin,
    responder,
    viewer,
    writeKey: { "X-API-Key": (await createApiKey(tenantId, { name: "write", scopes: ["write"] })).key },
    readKey: { "X-API-Key": (await createApiKey(tenantId, { name: "read", scopes: ["read"] })).key },
    quantum: await quantumHeaders(tenantId, ["quantum:read", "quantum:write"]),
    manage: await quantumHeaders(tenantId, ["quantum:read", "quantum:write", "consensus:manage"]),
  };
}

/**
 * Reads a server-sent-event stream for at most `ms` (or until `until` holds on the text so
 * far), then cancels it. Returns everything received.
 */
export async function readStream(res: Response, ms: number, until: (text: string) => boolean = () => false): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !until(text)) {
    const timer = new Promise<null>((r) => setTimeout(() => r(null), Math.max(1, deadline - Date.now())));
    const chunk = await Promise.race([reader.read(), timer]);
    if (chunk === null || chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
  }
  await reader.cancel().catch(() => undefined);
  return text;
}

/** Every key anywhere in a JSON value, lowercased, with its dotted path. */
export function keysOf(value: unknown, at = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => keysOf(v, `${at}[${i}]`));
  if (value && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => [`${at}.${k}`.toLowerCase(), ...keysOf(v, `${at}.${k}`)]);
  return [];
}
