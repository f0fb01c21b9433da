import { sql } from "drizzle-orm";
import type { Database } from "../../platform/db";
import type { Incident } from "../store";
import { extractEvidence, type Evidence } from "./extract";

/** The most recent logs an analysis reads: enough to see a pattern, bounded so one job stays cheap. */
export const MAX_EVIDENCE_LOGS = 500;
/** An incident opened from outside (no rule) is matched to logs naming its addresses over this span. */
const IP_SEARCH_SPAN_MS = 24 * 3600_000;
const MAX_SEARCHED_IPS = 10;

export interface GatheredEvidence extends Evidence {
  logCount: number;
  logSource: "rule_matches" | "ip_search" | "none";
  logsTruncated: boolean;
  firstLogAt: number | null;
  lastLogAt: number | null;
}

type LogRow = { at: number; payload: string };

/**
 * GLOB (case-sensitive, character classes) so `203.0.113.9` does not also match `203.0.113.90`:
 * the address must be bounded by characters that cannot continue it. A stored payload is JSON, so
 * there is always a character on each side.
 */
export function ipGlob(ip: string): string {
  return ip.includes(":") ? `*[^0-9a-fA-F:]${ip}[^0-9a-fA-F:]*` : `*[^0-9.]${ip}[^0-9]*`;
}

/** The logs a rule-opened incident was built from: its rule's matches for its group, since the first one counted. */
async function matchedLogs(db: Database, i: Incident): Promise<LogRow[] | null> {
  const { rule_id: ruleId, group, first_match_at: firstMatch } = i.metadata;
  if (typeof ruleId !== "string" || typeof group !== "string") return null;
  const since = typeof firstMatch === "string" ? Date.parse(firstMatch) || 0 : 0;
  // The tenant condition on logs also keeps a forged metadata.rule_id from reading another tenant's logs.
  return db.all<LogRow>(sql`
    SELECT l.received_at AS at, l.payload AS payload FROM rule_matches m JOIN logs l ON l.id = m.log_id
    WHERE m.rule_id = ${ruleId} AND m.group_value = ${group} AND m.at >= ${since} AND l.tenant_id = ${i.tenantId}
    ORDER BY m.at DESC LIMIT ${MAX_EVIDENCE_LOGS + 1}`);
}

/** Logs of the day before the incident (and since) that name one of its addresses. */
async function logsNaming(db: Database, i: Incident, ips: string[]): Promise<LogRow[]> {
  const globs = ips.slice(0, MAX_SEARCHED_IPS).map((ip) => sql`payload GLOB ${ipGlob(ip)}`);
  if (!globs.length) return [];
  return db.all<LogRow>(sql`
    SELECT received_at AS at, payload FROM logs
    WHERE tenant_id = ${i.tenantId} AND received_at >= ${i.createdAt - IP_SEARCH_SPAN_MS} AND (${sql.join(globs, sql` OR `)})
    ORDER BY received_at DESC LIMIT ${MAX_EVIDENCE_LOGS + 1}`);
}

function parseRecord(payload: string): Record<string, unknown> {
  try {
    const v = JSON.parse(payload) as unknown;
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : { message: String(v) };
  } catch {
    return { message: payload };
  }
}

/** Everything the analyser reads about an incident, from its row and its logs. */
export async function gatherEvidence(db: Database, i: Incident): Promise<GatheredEvidence> {
  const facts = { type: i.type, description: i.description, affectedResources: i.affectedResources, metadata: i.metadata };
  let rows = await matchedLogs(db, i);
  const source = rows ? "rule_matches" : "ip_search";
  rows ??= await logsNaming(db, i, extractEvidence(facts, []).ips);
  const truncated = rows.length > MAX_EVIDENCE_LOGS;
  const kept = rows.slice(0, MAX_EVIDENCE_LOGS);
  const times = kept.map((r) => r.at);
  return {
    ...extractEvidence(
      facts,
      kept.map((r) => parseRecord(r.payload)),
    ),
    logCount: kept.length,
    logSource: kept.length ? source : "none",
    logsTruncated: truncated,
    firstLogAt: times.length ? Math.min(...times) : null,
    lastLogAt: times.length ? Math.max(...times) : null,
  };
}
