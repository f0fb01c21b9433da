import { ApiError } from "../../platform/errors";
import { hasScope, requireScope, type Principal } from "../../platform/auth/principal";

export type QuantumScope = "quantum:read" | "quantum:write";

/**
 * OAuth clients carry `quantum:*` scopes; `quantum:write` includes reading. Analysing material
 * writes the tenant's crypto inventory and may raise an alert, so it needs `quantum:write`; the
 * threat level, the event stream and the API metrics only read. Any other principal the quantum
 * guard admits is held to the read/write scope ladder instead.
 */
export function requireQuantumScope(p: Principal, needed: QuantumScope): void {
  if (p.kind !== "oauth_client") return requireScope(p, needed === "quantum:read" ? "read" : "write");
  if (!hasQuantumScope(p, needed))
    throw new ApiError("insufficient_scope", `This endpoint needs the '${needed}' scope`, { required: needed });
}

export function hasQuantumScope(p: Principal, needed: QuantumScope): boolean {
  if (p.kind !== "oauth_client") return hasScope(p, needed === "quantum:read" ? "read" : "write");
  return needed === "quantum:read"
    ? p.scopes.some((s) => s === "quantum:read" || s === "quantum:write")
    : p.scopes.includes(needed);
}
