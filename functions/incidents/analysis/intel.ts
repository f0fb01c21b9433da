/**
 * Threat intelligence from the tenant's own view: indicators it imported, its blocklist, its
 * earlier incidents and logs. Plain functions over facts the job has read (intel-store.ts).
 */
export interface MatchedIndicator {
  kind: "ip" | "cidr" | "domain";
  value: string;
  reputation: "malicious" | "suspicious";
  campaigns: string[];
  /** The evidence values (addresses or domains) this indicator covers. */
  matches: string[];
}

export interface IntelFacts {
  indicators: MatchedIndicator[];
  /** Evidence addresses inside an active blocklist entry. */
  blocklisted: string[];
  /** Other incidents naming an evidence address or one of the incident's resources. */
  related: { number: string; createdAt: number; values: string[] }[];
  /** Epoch ms each address first appears in the tenant's recent logs. */
  firstSeen: Record<string, number>;
}

export type IpReputation = "malicious" | "suspicious" | "unknown";

/** An address seen in this many earlier incidents is suspicious even with no indicator on it. */
export const REPEAT_OFFENDER_INCIDENTS = 2;

const RANK: Record<IpReputation, number> = { unknown: 0, suspicious: 1, malicious: 2 };

/**
 * malicious: covered by a malicious indicator (address or network); suspicious: covered by a
 * suspicious one, currently blocklisted, or named by ≥ 2 earlier incidents; otherwise unknown.
 */
export function reputationOf(ip: string, facts: IntelFacts): IpReputation {
  const covering = facts.indicators.filter((i) => i.kind !== "domain" && i.matches.includes(ip));
  if (covering.some((i) => i.reputation === "malicious")) return "malicious";
  const priors = facts.related.filter((r) => r.values.includes(ip)).length;
  if (covering.length || facts.blocklisted.includes(ip) || priors >= REPEAT_OFFENDER_INCIDENTS) return "suspicious";
  return "unknown";
}

export const worst = (reps: IpReputation[]): IpReputation =>
  reps.reduce<IpReputation>((a, b) => (RANK[b] > RANK[a] ? b : a), "unknown");

const day = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString().slice(0, 10));

/** The earliest the tenant saw an address: in its logs, or named by an earlier incident. */
function firstSeenOf(ip: string, facts: IntelFacts): number | null {
  const times = [facts.firstSeen[ip], ...facts.related.filter((r) => r.values.includes(ip)).map((r) => r.createdAt)];
  const known = times.filter((t): t is number => typeof t === "number");
  return known.length ? Math.min(...known) : null;
}

export function threatIntelligence(ips: string[], facts: IntelFacts, detailed: boolean) {
  const perIp = ips.map((ip) => ({
    ip,
    reputation: reputationOf(ip, facts),
    first_seen: day(firstSeenOf(ip, facts)),
    prior_incidents: facts.related.filter((r) => r.values.includes(ip)).map((r) => r.number),
    blocklisted: facts.blocklisted.includes(ip),
  }));
  const firsts = perIp.map((p) => p.first_seen).filter((d): d is string => d !== null);
  return {
    ip_reputation: worst(perIp.map((p) => p.reputation)),
    known_campaigns: [...new Set(facts.indicators.flatMap((i) => i.campaigns))],
    first_seen: firsts.length ? firsts.sort()[0]! : null,
    related_incidents: facts.related.map((r) => r.number),
    blocklisted: facts.blocklisted,
    indicators: facts.indicators.map((i) => ({
      kind: i.kind,
      value: i.value,
      reputation: i.reputation,
      campaigns: i.campaigns,
      matches: i.matches,
    })),
    // A threat assessment also shows each address on its own.
    ...(detailed ? { ip_details: perIp } : {}),
  };
}

export type ThreatIntelligence = ReturnType<typeof threatIntelligence>;
