import { and, eq, gt, inArray, isNull, or, sql } from "drizzle-orm";
import { blocklist, threatIndicators } from "../../../schema";
import { selectInChunks, type Database } from "../../platform/db";
import type { Incident } from "../store";
import { ipGlob } from "./evidence";
import { contains, parseCidr, parseIp } from "../../platform/ip";
import type { IntelFacts, MatchedIndicator } from "./intel";

/**
 * Bounds on what one analysis reads: networks are matched in memory, so only so many are read;
 * prior incidents are searched among the most recent ones; first sightings among recent logs.
 */
const MAX_NETWORKS = 5000;
const RECENT_INCIDENTS = 1000;
const MAX_RELATED = 20;
const MAX_LOOKED_UP = 20;
const RECENT_LOGS = 20_000;

type Row = { kind: "ip" | "cidr" | "domain"; value: string; reputation: "malicious" | "suspicious"; campaigns: string[] };

const live = (now: number) => or(isNull(threatIndicators.validUntil), gt(threatIndicators.validUntil, now));
const cols = {
  kind: threatIndicators.kind,
  value: threatIndicators.value,
  reputation: threatIndicators.reputation,
  campaigns: threatIndicators.campaigns,
};

/** A domain and every parent of it (`a.evil.example` → also `evil.example`, `example`): an indicator for a parent covers its subdomains. */
const domainAndParents = (d: string) => d.split(".").map((_, i, parts) => parts.slice(i).join("."));

async function matchingIndicators(db: Database, tenantId: string, ips: string[], domains: string[], now: number) {
  const exact = (kind: "ip" | "domain", values: string[]) =>
    selectInChunks(values, (part) =>
      db
        .select(cols)
        .from(threatIndicators)
        .where(
          and(
            eq(threatIndicators.tenantId, tenantId),
            eq(threatIndicators.kind, kind),
            inArray(threatIndicators.value, part),
            live(now),
          ),
        ),
    );
  const [byIp, byDomain, networks] = await Promise.all([
    exact("ip", ips),
    exact("domain", [...new Set(domains.flatMap(domainAndParents))]),
    db
      .select(cols)
      .from(threatIndicators)
      .where(and(eq(threatIndicators.tenantId, tenantId), eq(threatIndicators.kind, "cidr"), live(now)))
      .limit(MAX_NETWORKS),
  ]);
  const matched: MatchedIndicator[] = [];
  for (const r of byIp as Row[]) matched.push({ ...r, matches: [r.value] });
  for (const r of byDomain as Row[])
    matched.push({ ...r, matches: domains.filter((d) => domainAndParents(d).includes(r.value)) });
  for (const r of networks as Row[]) {
    const within = ipsWithin(r.value, ips);
    if (within.length) matched.push({ ...r, matches: within });
  }
  return matched;
}

function ipsWithin(cidr: string, ips: string[]): string[] {
  const n = parseCidr(cidr);
  return n ? ips.filter((ip) => contains(n, parseIp(ip)!)) : [];
}

async function blocklisted(db: Database, tenantId: string, ips: string[], now: number): Promise<string[]> {
  if (!ips.length) return [];
  const entries = await db
    .select({ cidr: blocklist.cidr })
    .from(blocklist)
    .where(and(eq(blocklist.tenantId, tenantId), or(isNull(blocklist.expiresAt), gt(blocklist.expiresAt, now))))
    .limit(MAX_NETWORKS);
  const hit = new Set(entries.flatMap((e) => ipsWithin(e.cidr, ips)));
  return ips.filter((ip) => hit.has(ip));
}

const likeQuoted = (v: string) => `%"${v.replace(/[\\%_]/g, (c) => `\\${c}`)}"%`;

/** Other incidents of the tenant (among its most recent) whose metadata or resources name one of these values. */
async function relatedIncidents(db: Database, i: Incident, values: string[]) {
  const wanted = values.slice(0, MAX_LOOKED_UP);
  if (!wanted.length) return [];
  // Values are matched as whole JSON strings ("203.0.113.9"), so 203.0.113.9 does not match 203.0.113.90.
  const likes = wanted.map((v) => sql`(metadata || affected_resources) LIKE ${likeQuoted(v)} ESCAPE '\\'`);
  const rows = await db.all<{ number: string; created_at: number; text: string }>(sql`
    SELECT number, created_at, metadata || affected_resources AS text FROM (
      SELECT number, created_at, metadata, affected_resources FROM incidents
      WHERE tenant_id = ${i.tenantId} AND id != ${i.id} ORDER BY created_at DESC LIMIT ${RECENT_INCIDENTS})
    WHERE ${sql.join(likes, sql` OR `)} ORDER BY created_at DESC LIMIT ${MAX_RELATED}`);
  return rows.map((r) => ({
    number: r.number,
    createdAt: r.created_at,
    values: wanted.filter((v) => r.text.includes(`"${v}"`)),
  }));
}

/** When each address first appears in the tenant's recent logs (one pass over them for all addresses). */
async function firstSightings(db: Database, tenantId: string, ips: string[]): Promise<Record<string, number>> {
  const wanted = ips.slice(0, MAX_LOOKED_UP);
  if (!wanted.length) return {};
  const columns = wanted.map(
    (ip, n) => sql`min(CASE WHEN payload GLOB ${ipGlob(ip)} THEN received_at END) AS ${sql.raw(`f${n}`)}`,
  );
  const [row] = await db.all<Record<string, number | null>>(sql`
    SELECT ${sql.join(columns, sql`, `)} FROM (
      SELECT received_at, payload FROM logs WHERE tenant_id = ${tenantId} ORDER BY received_at DESC LIMIT ${RECENT_LOGS})`);
  const out: Record<string, number> = {};
  wanted.forEach((ip, n) => {
    const at = row?.[`f${n}`];
    if (typeof at === "number") out[ip] = at;
  });
  return out;
}

/** Everything threat intelligence is computed from: the tenant's indicators, blocklist, incidents and logs. */
export async function gatherIntel(db: Database, i: Incident, ips: string[], domains: string[]): Promise<IntelFacts> {
  const now = Date.now();
  const [indicators, blocked, related, firstSeen] = await Promise.all([
    matchingIndicators(db, i.tenantId, ips, domains, now),
    blocklisted(db, i.tenantId, ips, now),
    relatedIncidents(db, i, [...ips, ...i.affectedResources.filter((r) => !ips.includes(r))]),
    firstSightings(db, i.tenantId, ips),
  ]);
  return { indicators, blocklisted: blocked, related, firstSeen };
}
