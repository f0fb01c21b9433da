import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { ApiKeyHeader, SessionKind } from "../../../schema";
import { database, type Database } from "../db";
import { ApiError } from "../errors";
import type { AppEnv } from "../types";
import { KEY_PREFIX, verifyApiKey } from "./api-keys";
import { verifyAccessToken } from "./jwt";
import { clientActive } from "./oauth-clients";
import { scopesForRole, type Principal } from "./principal";
import { COOKIE_NAME, verifySession } from "./sessions";
import { verifySignedRequest } from "./signed-requests";
import { familyActive } from "./user-tokens";

/** What a route accepts; each family lists the ways in its seed documents. */
export interface AuthOptions {
  apiKeyHeaders?: ApiKeyHeader[];
  /** JWT audience(s) accepted as `Authorization: Bearer`. */
  jwtAudience?: string | readonly string[];
  /** Session cookie kind(s) accepted; the first present is the one checked. */
  cookie?: SessionKind | readonly SessionKind[];
  /** Accept HMAC-signed requests (X-Client-ID, X-Timestamp, X-Signature) from OAuth clients. */
  signedRequests?: boolean;
  /** Let anonymous requests through (principal unset); bad credentials still fail. */
  optional?: boolean;
}

const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

export function bearerToken(c: Context): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(c.req.header("Authorization") ?? "");
  return match?.[1] ?? null;
}

async function fromApiKey(c: Context<AppEnv>, db: Database, key: string, allowed: ApiKeyHeader[]): Promise<Principal> {
  const result = await verifyApiKey(db, key);
  if (!result || !allowed.includes(result.header)) throw new ApiError("invalid_credentials", "Invalid API key");
  if (result.touch)
    c.executionCtx.waitUntil(
      result.touch().catch((err) => c.get("log").warn("last_used_at write failed", { error: String(err) })),
    );
  return result.principal;
}

async function fromJwt(
  c: Context<AppEnv>,
  db: Database,
  token: string,
  audience: string | readonly string[],
): Promise<Principal> {
  const claims = await verifyAccessToken(c.env.AUTH_SECRET, token, audience);
  if (!claims) throw new ApiError("invalid_credentials", "Invalid or expired access token");
  if (claims.sid && !(await familyActive(db, claims.sid)))
    throw new ApiError("invalid_credentials", "This session has been signed out");
  if (claims.pk === "oauth_client" && !(await clientActive(db, claims.sub)))
    throw new ApiError("invalid_credentials", "This OAuth client has been revoked");
  const role = claims.pk === "user" && claims.role ? (claims.role as Principal["role"]) : null;
  return {
    tenantId: claims.tid,
    kind: claims.pk,
    id: claims.sub,
    method: claims.pk === "user" ? "jwt" : "oauth_token",
    role,
    scopes: role ? scopesForRole(role) : (claims.scope ?? "").split(" ").filter(Boolean),
    tier: (claims.tier as Principal["tier"]) ?? "standard",
    machine: null,
    sessionId: claims.sid ?? null,
  };
}

async function resolve(c: Context<AppEnv>, opts: AuthOptions): Promise<Principal | null> {
  if (opts.signedRequests && c.req.header("X-Signature") !== undefined) return verifySignedRequest(c);
  const db = database(c.env.DB);
  const keyHeaders = opts.apiKeyHeaders ?? [];
  for (const header of keyHeaders) {
    const key = c.req.header(header);
    if (key !== undefined) return fromApiKey(c, db, key, keyHeaders);
  }
  const bearer = bearerToken(c);
  if (bearer) {
    if (keyHeaders.some((h) => bearer.startsWith(`${KEY_PREFIX[h]}_`))) return fromApiKey(c, db, bearer, keyHeaders);
    if (opts.jwtAudience && JWT_SHAPE.test(bearer)) return fromJwt(c, db, bearer, opts.jwtAudience);
    throw new ApiError("invalid_credentials", "Unrecognised bearer credential");
  }
  for (const kind of typeof opts.cookie === "string" ? [opts.cookie] : (opts.cookie ?? [])) {
    const value = getCookie(c, COOKIE_NAME[kind]);
    if (value === undefined) continue;
    const principal = await verifySession(db, c.env.AUTH_SECRET, kind, value);
    if (!principal) throw new ApiError("unauthorized", "Session is invalid or has expired; sign in again");
    return principal;
  }
  return null;
}

/** Told, after the response, which credentials a request was refused with (the canary tripwire listens). */
export type RejectedCredentialsHook = (c: Context<AppEnv>, credentials: string[]) => Promise<void>;
let rejectedHook: RejectedCredentialsHook | null = null;

export function onRejectedCredentials(hook: RejectedCredentialsHook): void {
  rejectedHook = hook;
}

/**
 * Runs only on a 401, never on the success path, and off the response path (waitUntil), so the
 * caller gets the ordinary 401 at the ordinary speed whatever the hook finds.
 */
function noticeRejected(c: Context<AppEnv>, err: unknown): void {
  if (!rejectedHook || !(err instanceof ApiError) || err.status !== 401) return;
  const presented = [c.req.header("X-API-Key"), c.req.header("X-Zeq-SM-Key"), bearerToken(c) ?? undefined];
  const credentials = [...new Set(presented.filter((v): v is string => !!v))];
  if (!credentials.length) return;
  const hook = rejectedHook;
  c.executionCtx.waitUntil(
    hook(c, credentials).catch((e) => c.get("log").error("rejected-credential hook failed", { error: String(e) })),
  );
}

/** Sets `principal` on the context, or answers 401 in the family's envelope. */
export function authenticate(opts: AuthOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    let principal: Principal | null;
    try {
      principal = await resolve(c, opts);
      if (!principal && !opts.optional) throw new ApiError("missing_credentials", "Authentication required");
    } catch (err) {
      noticeRejected(c, err);
      throw err;
    }
    if (principal) c.set("principal", principal);
    await next();
  };
}

/** The authenticated principal; only call behind `authenticate` without `optional`. */
export function principalOf(c: Context<AppEnv>): Principal {
  const p = c.get("principal");
  if (!p) throw new ApiError("missing_credentials", "Authentication required");
  return p;
}
