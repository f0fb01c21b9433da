import { auditLog } from "../../schema";
import type { Database } from "./db";
import { newId } from "./ids";

/** Who performs a change: recorded in the audit log with the request it came from. */
export interface Actor {
  name: string;
  requestId: string;
}

export interface AuditEntry {
  tenantId: string | null;
  actor: string;
  action: string;
  target?: string;
  requestId: string;
  details?: Record<string, unknown>;
}

/**
 * The insert for one audit row, not yet run: callers put it in the same D1 batch as the
 * change it records, so a change and its audit row commit together or not at all.
 */
export function auditInsert(db: Database, entry: AuditEntry) {
  return db.insert(auditLog).values({ id: newId("aud"), ...entry });
}
