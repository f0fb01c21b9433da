import { hasRole, type Role, type Session } from "../lib/session";
import type { RemediationAction } from "./incident-types";

/** Whether the signed-in user may do something and, when not, the sentence that says why. */
export interface Gate {
  allowed: boolean;
  why: string;
}

const roleName = (s: Session) => s.me.role ?? "no role";
const needs = (s: Session, minimum: Role, what: string): Gate =>
  hasRole(s, minimum)
    ? { allowed: true, why: "" }
    : { allowed: false, why: `${what} needs the ${minimum} role or higher; you are signed in as ${roleName(s)}.` };

/**
 * The API's own rule (functions/incidents/remediation/service.ts): analysts may preview (dry run)
 * and request an action held for approval; running one at once and rolling back need a responder.
 */
export const PROPOSE_ROLE: Role = "analyst";
export const REMEDIATE_ROLE: Role = "responder";

export const canChangeIncident = (s: Session) => needs(s, "analyst", "Changing an incident");
export const canAnalyze = (s: Session) => needs(s, "analyst", "Starting an analysis");
export const canRemediate = (s: Session) => needs(s, PROPOSE_ROLE, "Previewing or requesting a remediation");
export const canExecuteNow = (s: Session) => needs(s, REMEDIATE_ROLE, "Running a remediation without approval");

/** How the API names the signed-in principal in `requested_by` and `approved_by` (agentOf). */
export const agentName = (s: Session) => (s.me.kind === "api_key" ? `api-key:${s.me.id}` : `user:${s.me.id}`);

/** Second-person control: a signed-in responder or admin who did not request the action. */
export function canApprove(s: Session, a: RemediationAction): Gate {
  if (a.status !== "pending_approval")
    return { allowed: false, why: `Only a pending action can be approved; this one is ${a.status}.` };
  if (!hasRole(s, "responder")) return needs(s, "responder", "Approving");
  if (agentName(s) === a.approval.requested_by)
    return { allowed: false, why: "You requested this action; a second responder or admin must approve it." };
  return { allowed: true, why: "" };
}

export function canRollback(s: Session, a: RemediationAction): Gate {
  if (!a.rollback.available)
    return {
      allowed: false,
      why:
        a.status === "rolled_back"
          ? "Already rolled back."
          : a.status === "completed"
            ? "This action cannot be rolled back."
            : `Only a completed action can be rolled back; this one is ${a.status}.`,
    };
  return needs(s, REMEDIATE_ROLE, "Rolling back");
}
