import { requireScope, type Principal } from "../../platform/auth/principal";
import { ApiError } from "../../platform/errors";

const READ_SCOPES = ["quantum:read", "quantum:write", "consensus:manage"];

/**
 * OAuth clients need `consensus:manage` to propose values and register agents (the seed's scope
 * for it); reading the cluster, and connecting or heartbeating as an agent (which proves itself
 * with its own key as well), takes any quantum scope. Other principals use the read/write ladder.
 */
export function requireConsensusAccess(p: Principal, access: "read" | "manage"): void {
  if (p.kind !== "oauth_client") return requireScope(p, access === "read" ? "read" : "write");
  const ok = access === "manage" ? p.scopes.includes("consensus:manage") : p.scopes.some((s) => READ_SCOPES.includes(s));
  const needed = access === "manage" ? "consensus:manage" : "quantum:read";
  if (!ok) throw new ApiError("insufficient_scope", `This endpoint needs the '${needed}' scope`, { required: needed });
}
