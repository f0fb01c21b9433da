import { canonicalIp, ipsInText } from "../../platform/ip";

/**
 * What the analyser knows about an incident: the entities named by its logs and metadata, and
 * the texts its technique patterns are matched against. Built by plain functions so the same
 * records always yield the same evidence.
 */
export interface Evidence {
  /** Addresses seen as the source of activity (the ones a block would target). */
  ips: string[];
  /** Addresses seen only as a destination (`dst_ip`, `server`, …): never recommended for blocking. */
  destinationIps: string[];
  users: string[];
  /** Accounts the logs show being created (persistence). */
  createdAccounts: string[];
  domains: string[];
  /** Each log's text (its JSON), lowercased, for pattern matching. */
  logTexts: string[];
  /** The incident's own type, description and metadata, lowercased. */
  incidentText: string;
  nodeId: string | null;
  machine: string | null;
  deviceId: string | null;
  apiKeyId: string | null;
}

/** Bounds so a pathological log batch cannot blow up the stored result. */
const MAX_ENTITIES = 100;

const DESTINATION_KEY = /(^|_)(dst|dest|destination|target|server|local|host)(_|$)|^(dst|dest)[a-z]*$/i;
const USER_KEY =
  /^(user|username|user_name|account|account_name|target_user|target_username|login|principal|email|user_accounts)$/i;
const DOMAIN_KEY = /^(domain|domains|dns_query|query_name|qname|fqdn)$/i;
const USER_IN_TEXT = [
  /failed password for (?:invalid user )?([^\s'"]+) from/gi,
  /accepted (?:password|publickey|keyboard-interactive) for ([^\s'"]+) from/gi,
  /(?:for|by) user[=: ]+'?([\w.@-]+)/gi,
  /\buser(?:name)?=([\w.@-]+)/gi,
];
const CREATED_IN_TEXT = [
  /new user: name=([\w.@-]+)/gi,
  /(?:user|account) created:? '?([\w.@-]+)/gi,
  /created (?:user|account) '?([\w.@-]+)/gi,
];
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

export const canonicalDomain = (text: string): string | null => {
  const d = text.trim().toLowerCase().replace(/\.$/, "");
  return DOMAIN.test(d) ? d : null;
};

class Collector {
  readonly ips = new Set<string>();
  readonly destinations = new Set<string>();
  readonly users = new Set<string>();
  readonly created = new Set<string>();
  readonly domains = new Set<string>();

  add(set: Set<string>, value: string | null) {
    if (value && set.size < MAX_ENTITIES) set.add(value);
  }

  /** Walks a record: keys say what a value is; free text is scanned for addresses and users. */
  walk(value: unknown, key = "", depth = 0): void {
    if (depth > 8 || value === null || value === undefined) return;
    if (Array.isArray(value)) return value.forEach((v) => this.walk(v, key, depth + 1));
    if (typeof value === "object") {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) this.walk(v, k, depth + 1);
      return;
    }
    if (typeof value !== "string") return;
    if (USER_KEY.test(key)) this.add(this.users, value.trim().slice(0, 200) || null);
    if (DOMAIN_KEY.test(key)) this.add(this.domains, canonicalDomain(value));
    const whole = canonicalIp(value);
    if (whole) return this.add(DESTINATION_KEY.test(key) ? this.destinations : this.ips, whole);
    for (const ip of ipsInText(value)) this.add(this.ips, ip);
    this.usersInText(value);
  }

  usersInText(text: string) {
    for (const re of USER_IN_TEXT) for (const m of text.matchAll(re)) this.add(this.users, m[1]!.replace(/['".,]+$/, ""));
    for (const re of CREATED_IN_TEXT) for (const m of text.matchAll(re)) this.add(this.created, m[1]!.replace(/['".,]+$/, ""));
  }
}

const str = (v: unknown) => (typeof v === "string" && v.trim() ? v.trim().slice(0, 200) : null);

export interface IncidentFacts {
  type: string;
  description: string | null;
  affectedResources: string[];
  metadata: Record<string, unknown>;
}

/** Evidence from the incident itself and the log records gathered for it. */
export function extractEvidence(incident: IncidentFacts, records: Record<string, unknown>[]): Evidence {
  const c = new Collector();
  c.walk(incident.metadata);
  c.walk(incident.description ?? "", "description");
  for (const r of incident.affectedResources) c.add(canonicalIp(r) ? c.ips : c.domains, canonicalIp(r) ?? canonicalDomain(r));
  for (const r of records) c.walk(r);
  const m = incident.metadata;
  return {
    ips: [...c.ips],
    destinationIps: [...c.destinations].filter((ip) => !c.ips.has(ip)),
    users: [...c.users],
    createdAccounts: [...c.created],
    domains: [...c.domains],
    logTexts: records.map((r) => JSON.stringify(r).toLowerCase()),
    incidentText: [incident.type.replace(/[_.-]+/g, " "), incident.description ?? "", JSON.stringify(m)].join(" ").toLowerCase(),
    nodeId: str(m.node_id) ?? str(m.node),
    machine: str(m.machine) ?? str(m.machine_id),
    deviceId: str(m.device_id),
    apiKeyId: str(m.api_key_id),
  };
}
