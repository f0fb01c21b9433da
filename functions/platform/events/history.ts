import { and, desc, eq, gte, inArray, lt, lte, or, type SQL } from "drizzle-orm";
import { securityEvents, type Severity, type SystemType } from "../../../schema";
import type { Database } from "../db";
import { ApiError } from "../errors";
import { base64url, fromBase64url } from "../auth/keys";
import type { ThreatEventRow } from "./model";

export interface HistoryQuery {
  since?: number;
  until?: number;
  severities?: Severity[];
  systemTypes?: SystemType[];
  cursor?: string;
  limit: number;
}

/** Opaque to clients: the (occurred_at, id) of the last row served, newest-first order. */
const encodeCursor = (e: ThreatEventRow) => base64url(new TextEncoder().encode(`${e.occurredAt}:${e.id}`));

function decodeCursor(cursor: string): { at: number; id: string } {
  try {
    const [at, id] = new TextDecoder().decode(fromBase64url(cursor)).split(":");
    if (id && /^\d+$/.test(at ?? "")) return { at: Number(at), id };
  } catch {
    // Falls through to the 400 below.
  }
  throw new ApiError("invalid_request", "Invalid cursor", { field: "cursor" });
}

/** Only what the public projection shows: the structured details (parsed JSON) are never read here. */
const PROJECTED = {
  id: securityEvents.id,
  occurredAt: securityEvents.occurredAt,
  country: securityEvents.country,
  countryCode: securityEvents.countryCode,
  system: securityEvents.system,
  systemType: securityEvents.systemType,
  severity: securityEvents.severity,
  description: securityEvents.description,
};

/** One tenant's events, newest first, keyset-paginated on the (tenant, occurred_at, id) index. */
export async function eventHistory(db: Database, tenantId: string, q: HistoryQuery) {
  const where: (SQL | undefined)[] = [eq(securityEvents.tenantId, tenantId)];
  if (q.since !== undefined) where.push(gte(securityEvents.occurredAt, q.since));
  if (q.until !== undefined) where.push(lte(securityEvents.occurredAt, q.until));
  if (q.severities?.length) where.push(inArray(securityEvents.severity, q.severities));
  if (q.systemTypes?.length) where.push(inArray(securityEvents.systemType, q.systemTypes));
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    where.push(or(lt(securityEvents.occurredAt, c.at), and(eq(securityEvents.occurredAt, c.at), lt(securityEvents.id, c.id))));
  }
  const rows = await db
    .select(PROJECTED)
    .from(securityEvents)
    .where(and(...where))
    .orderBy(desc(securityEvents.occurredAt), desc(securityEvents.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return { events: page, nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null };
}
