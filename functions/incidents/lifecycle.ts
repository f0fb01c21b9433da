import type { IncidentStatus } from "../../schema";
import { ApiError } from "../platform/errors";

/**
 * The moves an incident's status may make: forward along OPEN → INVESTIGATING → REMEDIATING →
 * RESOLVED, and from anywhere but itself to FALSE_POSITIVE (a resolved incident may still be
 * reclassified). FALSE_POSITIVE is final.
 */
const NEXT: Record<IncidentStatus, readonly IncidentStatus[]> = {
  OPEN: ["INVESTIGATING", "FALSE_POSITIVE"],
  INVESTIGATING: ["REMEDIATING", "FALSE_POSITIVE"],
  REMEDIATING: ["RESOLVED", "FALSE_POSITIVE"],
  RESOLVED: ["FALSE_POSITIVE"],
  FALSE_POSITIVE: [],
};

export const allowedMoves = (from: IncidentStatus): readonly IncidentStatus[] => NEXT[from];

export const isClosed = (s: IncidentStatus) => s === "RESOLVED" || s === "FALSE_POSITIVE";

/** 409 naming the moves that are allowed, so a client can correct itself. */
export function requireMove(from: IncidentStatus, to: IncidentStatus): void {
  if (NEXT[from].includes(to)) return;
  throw new ApiError("conflict", `An incident cannot move from ${from} to ${to}`, {
    from,
    to,
    allowed: [...NEXT[from]],
  });
}
