import type { ApiKeyScope, Tier, UserRole } from "../../../schema";
import { ApiError } from "../errors";

/** How the request proved who it is. */
export type AuthMethod = "session_cookie" | "jwt" | "api_key" | "oauth_token" | "hmac_signature" | "mtls";

/**
 * The one shape every authenticated request resolves to. Every query a handler makes is
 * scoped by `tenantId`; nothing else on the request may name a tenant.
 */
export interface Principal {
  tenantId: string;
  kind: "user" | "session" | "api_key" | "oauth_client";
  id: string;
  method: AuthMethod;
  role: UserRole | null;
  scopes: readonly string[];
  tier: Tier;
  /** API keys bound to one machine may act on that machine only. */
  machine: string | null;
  /** Session or token-family id, for logout. */
  sessionId: string | null;
}

export const ROLE_RANK: Record<UserRole, number> = { viewer: 0, analyst: 1, responder: 2, admin: 3 };

/** What a user's role allows, in API-key scope terms, so one check serves both. */
const ROLE_SCOPES: Record<UserRole, ApiKeyScope[]> = {
  viewer: ["read"],
  analyst: ["read", "write"],
  responder: ["read", "write"],
  admin: ["read", "write", "admin"],
};

export const scopesForRole = (role: UserRole): ApiKeyScope[] => ROLE_SCOPES[role];

/** "scope ≥ write" means write or admin: scopes are ordered read < write < admin. */
const SCOPE_RANK: Record<string, number> = { read: 0, write: 1, admin: 2 };

export function hasScope(p: Principal, needed: ApiKeyScope): boolean {
  return p.scopes.some((s) => (SCOPE_RANK[s] ?? -1) >= SCOPE_RANK[needed]!);
}

export function requireScope(p: Principal, needed: ApiKeyScope): void {
  if (!hasScope(p, needed))
    throw new ApiError("insufficient_scope", `This action needs the '${needed}' scope or higher`, { required: needed });
}

export function requireRole(p: Principal, minimum: UserRole): void {
  if (!p.role || ROLE_RANK[p.role] < ROLE_RANK[minimum])
    throw new ApiError("forbidden", `This action needs the '${minimum}' role or higher`, { required_role: minimum });
}
