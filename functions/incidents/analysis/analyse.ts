import type { IncidentSeverity } from "../../../schema";
import type { GatheredEvidence } from "./evidence";
import { reputationOf, threatIntelligence, type IntelFacts, type ThreatIntelligence } from "./intel";
import { matchTechniques, mitreView, type TechniqueMatch } from "./mitre";
import { recommend, type Urgency } from "./recommend";

/**
 * The embedded analyser: deterministic (the same evidence always gives the same result) and
 * explainable (every conclusion names the evidence behind it). Plain functions: the job reads
 * evidence and intelligence, this turns them into the seed's result object.
 */
export const ANALYSIS_TYPES = ["root_cause", "threat_assessment", "impact", "full"] as const;
export type AnalysisType = (typeof ANALYSIS_TYPES)[number];

export interface AnalysisInput {
  incident: { number: string; type: string; severity: IncidentSeverity; affectedResources: string[] };
  evidence: GatheredEvidence;
  facts: IntelFacts;
  analysisType: AnalysisType;
  includeRecommendations: boolean;
  urgency: Urgency;
}

type Factor = { factor: string; weight: number; detail: string };

const round = (n: number) => Math.round(n * 100) / 100;

/**
 * confidence = base + volume + corroboration + intelligence + history + entities, capped at 0.95:
 * - base: 0.30 when a known technique matched, else 0.10
 * - volume: 0.06 × log2(1 + logs showing the main technique), at most 0.25
 * - corroboration: 0.05 per further technique matched, at most 0.10
 * - intelligence: 0.20 when an address matches a malicious indicator, else 0.10 for a suspicious
 *   one (suspicious indicator, blocklisted, repeat offender)
 * - history: 0.05 per related earlier incident, at most 0.10
 * - entities: 0.05 when the evidence names a source address or an account
 * It never reaches 1: the analyser reads patterns, and patterns can mislead.
 */
export function confidenceOf(matches: TechniqueMatch[], e: GatheredEvidence, intel: ThreatIntelligence) {
  const main = matches[0];
  const factors: Factor[] = [
    main
      ? { factor: "technique_matched", weight: 0.3, detail: `${main.technique.id} ${main.technique.name}` }
      : { factor: "no_known_technique", weight: 0.1, detail: "no known attack pattern matched" },
  ];
  const add = (factor: string, weight: number, detail: string) =>
    weight > 0 && factors.push({ factor, weight: round(weight), detail });
  if (main) add("log_volume", Math.min(0.25, 0.06 * Math.log2(1 + main.logs)), `${main.logs} log(s) show ${main.technique.id}`);
  add("corroboration", Math.min(0.1, 0.05 * (matches.length - 1)), `${matches.length - 1} further technique(s)`);
  if (intel.ip_reputation === "malicious") add("threat_intelligence", 0.2, "an address matches a malicious indicator");
  else if (intel.ip_reputation === "suspicious") add("threat_intelligence", 0.1, "an address is suspicious");
  add(
    "prior_incidents",
    Math.min(0.1, 0.05 * intel.related_incidents.length),
    `${intel.related_incidents.length} related incident(s)`,
  );
  if (e.ips.length || e.users.length) add("named_entities", 0.05, "the evidence names source addresses or accounts");
  const total = factors.reduce((s, f) => s + f.weight, 0);
  return { confidence: round(Math.min(0.95, total)), factors };
}

const fromIps = (e: GatheredEvidence) =>
  e.ips.length ? ` from ${e.ips.slice(0, 3).join(", ")}${e.ips.length > 3 ? ` and ${e.ips.length - 3} more` : ""}` : "";
const onUsers = (e: GatheredEvidence) =>
  e.users.length === 1 ? ` on account ${e.users[0]}` : e.users.length ? ` on ${e.users.length} accounts` : "";

const CAUSES: Record<string, (e: GatheredEvidence) => string> = {
  T1110: (e) => `Brute-force password attack${onUsers(e)}${fromIps(e)}`,
  "T1110.004": (e) => `Credential stuffing attack: ${e.users.length} accounts tried from ${e.ips.length} address(es)`,
  T1078: (e) => `Brute-force attack that succeeded: an account signed in after repeated failed passwords${fromIps(e)}`,
  T1486: (e) => `Ransomware: data encrypted for impact${e.nodeId ? ` on ${e.nodeId}` : ""}`,
  T1190: (e) => `Exploitation of a public-facing application${fromIps(e)}`,
  T1046: (e) => `Network service discovery (port scanning)${fromIps(e)}`,
};

export function rootCauseOf(matches: TechniqueMatch[], e: GatheredEvidence, intel: ThreatIntelligence): string {
  const main = matches[0];
  if (!main)
    return `Undetermined: no known attack pattern in ${e.logCount} log(s) and the incident's details; review the evidence`;
  const cause = CAUSES[main.technique.id]?.(e) ?? `${main.technique.name} (${main.technique.tactic})${fromIps(e)}`;
  if (intel.known_campaigns.length) return `${cause}, linked to known campaign ${intel.known_campaigns.slice(0, 3).join(", ")}`;
  return intel.ip_reputation === "malicious" ? `${cause}, from a known-malicious address` : cause;
}

const LEVELS = ["Low", "Medium", "High", "Critical"] as const;
const SEVERITY_LEVEL: Record<IncidentSeverity, number> = { LOW: 0, MEDIUM: 1, HIGH: 2, CRITICAL: 3 };

/** The incident's severity, one level higher when a technique shows the attacker got in or did damage. */
export function impactOf(input: AnalysisInput, matches: TechniqueMatch[]) {
  const e = input.evidence;
  const compromise = matches.filter((m) => m.technique.compromise).map((m) => m.technique.id);
  const level = LEVELS[Math.min(3, SEVERITY_LEVEL[input.incident.severity] + (compromise.length ? 1 : 0))]!;
  const details = [
    e.users.length === 1 ? "Single user account targeted" : e.users.length ? `${e.users.length} user accounts targeted` : "",
    compromise.includes("T1078") ? "a login succeeded after failed attempts" : "",
    e.createdAccounts.length ? `${e.createdAccounts.length} account(s) created` : "",
    e.nodeId ? `node ${e.nodeId} involved` : "",
    e.ips.length ? `${e.ips.length} source address(es)` : "",
  ].filter(Boolean);
  const text = `${level} - ${details.join("; ") || "no account, host or source address identified"}`;
  return { text, level, compromise };
}

function evidenceView(e: GatheredEvidence, affected: string[]) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    log_count: e.logCount,
    log_source: e.logSource,
    logs_truncated: e.logsTruncated,
    first_log_at: iso(e.firstLogAt),
    last_log_at: iso(e.lastLogAt),
    ip_addresses: e.ips,
    destination_ips: e.destinationIps,
    user_accounts: e.users,
    created_accounts: e.createdAccounts,
    domains: e.domains,
    affected_resources: affected,
    node_id: e.nodeId,
    machine: e.machine,
    device_id: e.deviceId,
  };
}

export function analyse(input: AnalysisInput) {
  const { evidence: e, facts, analysisType: type } = input;
  const matches = matchTechniques(e);
  const intel = threatIntelligence(e.ips, facts, type === "threat_assessment" || type === "full");
  const { confidence, factors } = confidenceOf(matches, e, intel);
  const impact = impactOf(input, matches);
  const reputations = Object.fromEntries(e.ips.map((ip) => [ip, reputationOf(ip, facts)]));
  const recommendations = input.includeRecommendations
    ? { recommendations: recommend({ matches, evidence: e, intel, reputations, urgency: input.urgency }) }
    : {};
  return {
    analysis_type: type,
    root_cause: rootCauseOf(matches, e, intel),
    confidence,
    impact_assessment: impact.text,
    ...recommendations,
    threat_intelligence: intel,
    mitre_attack: mitreView(matches),
    evidence: evidenceView(e, input.incident.affectedResources),
    confidence_factors: factors,
    ...(type === "impact" || type === "full"
      ? {
          impact_details: {
            level: impact.level,
            users_targeted: e.users,
            source_addresses: e.ips.length,
            compromise_techniques: impact.compromise,
          },
        }
      : {}),
  };
}

export type AnalysisResults = ReturnType<typeof analyse>;
