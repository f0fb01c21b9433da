import { ApiError } from "../platform/errors";
import { hasScope, requireRole, type Principal } from "../platform/auth/principal";

/**
 * Changing where a tenant's events go is a responder's job: OAuth clients need `quantum:write`,
 * users the responder role, API keys the write scope. Reading the configuration needs
 * `quantum:read` (or write) for OAuth clients; any signed-in user or key of the tenant may read.
 */
export function requireWebhookWrite(p: Principal): Principal {
  if (p.kind === "oauth_client") {
    if (!p.scopes.includes("quantum:write"))
      throw new ApiError("insufficient_scope", "Managing webhooks needs the 'quantum:write' scope", {
        required: "quantum:write",
      });
  } else if (p.role) requireRole(p, "responder");
  else if (!hasScope(p, "write"))
    throw new ApiError("insufficient_scope", "Managing webhooks needs the 'write' scope", { required: "write" });
  return p;
}

export function requireWebhookRead(p: Principal): Principal {
  if (p.kind === "oauth_client" && !p.scopes.some((s) => s === "quantum:read" || s === "quantum:write"))
    throw new ApiError("insufficient_scope", "Reading webhooks needs the 'quantum:read' scope", { required: "quantum:read" });
  return p;
}
