import type { IndicatorKind } from "../../../schema";
import { ApiError } from "../../platform/errors";
import { canonicalDomain } from "./extract";
import { formatCidr, formatIp, parseCidr, parseIp } from "../../platform/ip";

/** One import may carry at most this many indicators (values, after a STIX pattern's ORs are counted). */
export const MAX_INDICATORS = 10_000;
export const MAX_CAMPAIGNS = 20;
const MAX_CAMPAIGN_CHARS = 100;

export type Reputation = "malicious" | "suspicious";

export interface IndicatorInput {
  kind: IndicatorKind;
  value: string;
  reputation: Reputation;
  campaigns: string[];
  firstSeen: number | null;
  validUntil: number | null;
}

export const invalid = (message: string, details: Record<string, unknown> = {}) =>
  new ApiError("invalid_request", message, details);

/**
 * The stored form of an indicator value: canonical addresses and networks, lowercase domains.
 * A network of one host is stored as an `ip`, so an address has one spelling to look up.
 */
export function canonicalIndicator(kind: string, raw: string): { kind: IndicatorKind; value: string } | null {
  const text = raw.trim();
  if (kind === "ip") {
    const a = parseIp(text);
    return a ? { kind: "ip", value: formatIp(a) } : null;
  }
  if (kind === "cidr") {
    const n = parseCidr(text);
    if (!n) return null;
    const full = n.prefix === (n.version === 4 ? 32 : 128);
    return full ? { kind: "ip", value: formatIp({ version: n.version, value: n.base }) } : { kind: "cidr", value: formatCidr(n) };
  }
  if (kind === "domain") {
    const d = canonicalDomain(text);
    return d ? { kind: "domain", value: d } : null;
  }
  return null;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** An ISO 8601 date (midnight UTC) or date-time, as epoch ms; undefined when the text is not one. */
export function parseInstant(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const ms = Date.parse(DATE_ONLY.test(text) ? `${text}T00:00:00Z` : text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Campaign names as stored: trimmed, non-empty, bounded, without repeats. */
export function cleanCampaigns(names: readonly unknown[]): string[] {
  const out = new Set<string>();
  for (const n of names) {
    const name = typeof n === "string" ? n.trim().slice(0, MAX_CAMPAIGN_CHARS) : "";
    if (name && out.size < MAX_CAMPAIGNS) out.add(name);
  }
  return [...out];
}

/** One import naming a value twice counts it once, with both rows' campaigns and the earliest first sighting. */
export function mergeDuplicates(list: IndicatorInput[]): IndicatorInput[] {
  const byKey = new Map<string, IndicatorInput>();
  for (const i of list) {
    const key = `${i.kind} ${i.value}`;
    const seen = byKey.get(key);
    if (!seen) {
      byKey.set(key, { ...i, campaigns: [...i.campaigns] });
      continue;
    }
    seen.reputation = i.reputation;
    seen.campaigns = cleanCampaigns([...seen.campaigns, ...i.campaigns]);
    seen.firstSeen = seen.firstSeen === null ? i.firstSeen : Math.min(seen.firstSeen, i.firstSeen ?? Infinity);
    seen.validUntil = i.validUntil;
  }
  return [...byKey.values()];
}

export function checkCount(n: number): void {
  if (n > MAX_INDICATORS) throw invalid(`At most ${MAX_INDICATORS} indicators an import`, { indicators: n });
}
