import type { RemediationAction } from "../../../schema";
import type { Evidence } from "./extract";
import type { IpReputation, ThreatIntelligence } from "./intel";
import type { TechniqueMatch } from "./mitre";

export const PRIORITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW"] as const;
export type Priority = (typeof PRIORITIES)[number];
export const URGENCIES = ["low", "medium", "high", "critical"] as const;
export type Urgency = (typeof URGENCIES)[number];

/** `parameters` is ready to send as-is to POST /api/v1/remediation/execute with `action`. */
export interface Recommendation {
  action: RemediationAction;
  priority: Priority;
  reasoning: string;
  parameters: Record<string, unknown>;
}

export interface RecommendInput {
  matches: TechniqueMatch[];
  evidence: Evidence;
  intel: ThreatIntelligence;
  reputations: Record<string, IpReputation>;
  urgency: Urgency;
}

const MAX_BLOCKED = 50;
const MAX_RESET_USERS = 5;
const DAY_S = 86_400;
const CREDENTIAL_TECHNIQUES = ["T1110", "T1110.004", "T1078", "T1552"];
const HOST_TECHNIQUES = ["T1059", "T1059.001", "T1204.002", "T1486", "T1505.003", "T1548", "T1021", "T1070", "T1136"];
const DESTRUCTIVE_TECHNIQUES = ["T1486", "T1041", "T1048"];
const CONTAINMENT = new Set<RemediationAction>(["block_ip", "isolate_node", "quarantine_device"]);

const ids = (matches: TechniqueMatch[]) => new Set(matches.map((m) => m.technique.id));
const listed = (values: string[], max = 5) =>
  values.slice(0, max).join(", ") + (values.length > max ? ` and ${values.length - max} more` : "");
const shown = (m: TechniqueMatch[], among: string[]) =>
  m
    .filter((x) => among.includes(x.technique.id))
    .map((x) => `${x.technique.id} ${x.technique.name}`)
    .join(", ");

function blockIp({ matches, evidence, intel, reputations }: RecommendInput): Recommendation[] {
  const targets = evidence.ips.filter((ip) => !intel.blocklisted.includes(ip)).slice(0, MAX_BLOCKED);
  const bad = targets.filter((ip) => reputations[ip] !== "unknown");
  if (!targets.length || (!matches.length && !bad.length)) return [];
  const malicious = targets.filter((ip) => reputations[ip] === "malicious");
  const reasons = [
    matches.length ? `source of ${matches[0]!.technique.name} (${matches[0]!.technique.id})` : "",
    malicious.length ? `${listed(malicious)} on malicious threat indicators` : "",
    intel.known_campaigns.length ? `associated with ${listed(intel.known_campaigns, 3)}` : "",
  ].filter(Boolean);
  return [
    {
      action: "block_ip",
      priority: malicious.length ? "CRITICAL" : matches.length ? "HIGH" : "MEDIUM",
      reasoning: `Source address(es) ${listed(targets)}: ${reasons.join("; ")}`,
      // Known-malicious sources are held for a week; others for a day, pending review.
      parameters: { ip_addresses: targets, duration: malicious.length ? 7 * DAY_S : DAY_S },
    },
  ];
}

function passwordResets({ matches, evidence }: RecommendInput): Recommendation[] {
  const found = ids(matches);
  if (!CREDENTIAL_TECHNIQUES.some((t) => found.has(t))) return [];
  const succeeded = found.has("T1078");
  return evidence.users.slice(0, MAX_RESET_USERS).map((username) => ({
    action: "force_password_reset" as const,
    priority: succeeded ? ("HIGH" as const) : ("MEDIUM" as const),
    reasoning: succeeded
      ? `Account ${username} was targeted and a login succeeded after failures (${shown(matches, CREDENTIAL_TECHNIQUES)}): it may be compromised`
      : `Account ${username} was targeted by ${shown(matches, CREDENTIAL_TECHNIQUES)}; a reset invalidates any guessed or leaked password`,
    parameters: { username },
  }));
}

function disableCreated({ matches, evidence }: RecommendInput): Recommendation[] {
  if (!ids(matches).has("T1136")) return [];
  return evidence.createdAccounts.slice(0, MAX_RESET_USERS).map((username) => ({
    action: "disable_user" as const,
    priority: "HIGH" as const,
    reasoning: `Account ${username} was created during the incident (T1136 Create Account): a common persistence step`,
    parameters: { username },
  }));
}

function hostContainment({ matches, evidence }: RecommendInput): Recommendation[] {
  const onHost = shown(matches, HOST_TECHNIQUES);
  if (!onHost) return [];
  const priority: Priority = matches.some((m) => DESTRUCTIVE_TECHNIQUES.includes(m.technique.id)) ? "CRITICAL" : "HIGH";
  const out: Recommendation[] = [];
  if (evidence.nodeId)
    out.push({
      action: "isolate_node",
      priority,
      reasoning: `Node ${evidence.nodeId} shows ${onHost}; isolating it stops spread while it is investigated`,
      parameters: { node_id: evidence.nodeId },
    });
  if (evidence.machine || evidence.deviceId)
    out.push({
      action: "quarantine_device",
      priority,
      reasoning: `Device ${evidence.deviceId ?? evidence.machine} shows ${onHost}`,
      parameters: {
        ...(evidence.machine ? { machine: evidence.machine } : {}),
        ...(evidence.deviceId ? { device_id: evidence.deviceId } : {}),
      },
    });
  return out;
}

function keyHygiene({ matches, evidence }: RecommendInput): Recommendation[] {
  const found = ids(matches);
  const out: Recommendation[] = [];
  if (evidence.apiKeyId && (found.has("T1552") || matches.some((m) => m.technique.compromise)))
    out.push({
      action: "revoke_api_key",
      priority: "HIGH",
      reasoning: `API key ${evidence.apiKeyId} is named by the incident and ${shown(matches, ["T1552"]) || "the host is compromised"}`,
      parameters: { key_id: evidence.apiKeyId },
    });
  const exposed = shown(matches, ["T1552", "T1040", "T1562.010"]);
  if (exposed)
    out.push({
      action: "rotate_keys",
      priority: found.has("T1552") ? "HIGH" : "MEDIUM",
      reasoning: `Key material may be exposed (${exposed}); rotating makes captured or leaked keys useless`,
      parameters: evidence.nodeId ? { node_id: evidence.nodeId } : {},
    });
  return out;
}

/**
 * Urgency shifts priorities: high or critical urgency raises containment actions (block_ip,
 * isolate_node, quarantine_device) one level; low urgency lowers everything below CRITICAL one level.
 */
function adjust(r: Recommendation, urgency: Urgency): Recommendation {
  const at = PRIORITIES.indexOf(r.priority);
  if ((urgency === "high" || urgency === "critical") && CONTAINMENT.has(r.action))
    return { ...r, priority: PRIORITIES[Math.max(0, at - 1)]! };
  if (urgency === "low" && r.priority !== "CRITICAL") return { ...r, priority: PRIORITIES[Math.min(3, at + 1)]! };
  return r;
}

/** Concrete remediation actions from the remediation catalog, most urgent first. */
export function recommend(input: RecommendInput): Recommendation[] {
  return [blockIp, passwordResets, disableCreated, hostContainment, keyHygiene]
    .flatMap((rule) => rule(input))
    .map((r) => adjust(r, input.urgency))
    .sort((a, b) => PRIORITIES.indexOf(a.priority) - PRIORITIES.indexOf(b.priority));
}

const SUMMARY: Record<RemediationAction, (p: Record<string, unknown>) => string> = {
  block_ip: (p) => `Block source IP addresses ${listed((p.ip_addresses as string[]) ?? [], 3)}`,
  isolate_node: (p) => `Isolate node ${String(p.node_id)}`,
  rotate_keys: () => "Rotate exposed keys",
  revoke_api_key: (p) => `Revoke API key ${String(p.key_id)}`,
  disable_user: (p) => `Disable account ${String(p.username)}`,
  quarantine_device: (p) => `Quarantine device ${String(p.device_id ?? p.machine)}`,
  force_password_reset: (p) => `Force password reset for ${String(p.username)}`,
};

/** One line per recommendation, as the incident's `analysis.recommendations` shows them. */
export const summaryOf = (r: Recommendation) => SUMMARY[r.action](r.parameters);
