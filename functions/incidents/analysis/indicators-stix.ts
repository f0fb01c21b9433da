import type { IndicatorKind } from "../../../schema";
import {
  canonicalIndicator,
  checkCount,
  cleanCampaigns,
  invalid,
  parseInstant,
  type IndicatorInput,
  type Reputation,
} from "./indicators";

/**
 * STIX 2.1 bundles of `indicator` objects. Supported patterns are equality on an address or a
 * domain, joined with OR (inside one observation or between observations):
 *
 *   [ipv4-addr:value = '198.51.100.7'] OR [domain-name:value = 'evil.example']
 *   [ipv4-addr:value = '203.0.113.0/24' OR ipv6-addr:value = '2001:db8::1']
 *
 * Anything else (AND, FOLLOWEDBY, qualifiers, other objects or operators, other pattern
 * languages) refuses the import with a 400 naming the pattern. An indicator's campaigns are the
 * names of the `campaign` and `intrusion-set` objects it `indicates` (through `relationship`
 * objects); without any, its labels (other than STIX's indicator-type words) are taken instead.
 * Revoked and `benign` indicators are skipped.
 */
const OBJECT_KINDS: Record<string, IndicatorKind> = { "ipv4-addr": "ip", "ipv6-addr": "ip", "domain-name": "domain" };
const TOKEN = /\s*(?:(\[|\])|(OR)\b|([a-z0-9-]+:[a-z0-9_.[\]*]+)|(=)|'((?:[^'\\]|\\.)*)'|(\S+))/y;
/** STIX's indicator-type vocabulary: these say how bad an indicator is, not which campaign it belongs to. */
const MALICIOUS_TYPES = new Set(["malicious-activity", "compromised", "attribution"]);
const SUSPICIOUS_TYPES = new Set(["anomalous-activity", "anonymization", "unknown"]);
const TYPE_WORDS = new Set([...MALICIOUS_TYPES, ...SUSPICIOUS_TYPES, "benign"]);

type Obj = Record<string, unknown>;
type Token = { kind: "open" | "close" | "or" | "path" | "eq" | "string" | "other"; text: string };

function tokens(pattern: string): Token[] {
  const out: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < pattern.length && pattern.slice(TOKEN.lastIndex).trim()) {
    const m = TOKEN.exec(pattern);
    if (!m) break;
    const [, bracket, or, path, eq, str, other] = m;
    if (bracket) out.push({ kind: bracket === "[" ? "open" : "close", text: bracket });
    else if (or) out.push({ kind: "or", text: or });
    else if (path) out.push({ kind: "path", text: path });
    else if (eq) out.push({ kind: "eq", text: eq });
    else if (str !== undefined) out.push({ kind: "string", text: str.replace(/\\(.)/g, "$1") });
    else out.push({ kind: "other", text: other! });
  }
  return out;
}

/** The (object type, value) pairs a supported pattern names; `refuse` is called with what is not supported. */
export function patternValues(pattern: string, refuse: (what: string) => never): { object: string; value: string }[] {
  const ts = tokens(pattern);
  const out: { object: string; value: string }[] = [];
  let i = 0;
  const expect = (kind: Token["kind"]) => {
    const t = ts[i++];
    if (!t || t.kind !== kind) refuse(t ? `'${t.text}'` : "an incomplete pattern");
    return t!.text;
  };
  for (;;) {
    expect("open");
    for (;;) {
      const path = expect("path");
      const object = path.slice(0, path.indexOf(":"));
      if (!(object in OBJECT_KINDS) || !path.endsWith(":value")) refuse(`'${path}'`);
      expect("eq");
      out.push({ object, value: expect("string") });
      if (ts[i]?.kind !== "or") break;
      i++;
    }
    expect("close");
    if (i >= ts.length) return out;
    expect("or");
  }
}

function reputationOf(o: Obj): Reputation | null {
  const types = [o.indicator_types, o.labels].flatMap((v) => (Array.isArray(v) ? v : [])).map((v) => String(v).toLowerCase());
  if (types.some((t) => MALICIOUS_TYPES.has(t))) return "malicious";
  if (types.some((t) => SUSPICIOUS_TYPES.has(t))) return "suspicious";
  if (types.includes("benign")) return null;
  return "malicious";
}

/** indicator id → names of the campaigns and intrusion sets it indicates. */
function campaignsByIndicator(objects: Obj[]): Map<string, string[]> {
  const names = new Map<string, string>();
  for (const o of objects)
    if ((o.type === "campaign" || o.type === "intrusion-set") && typeof o.id === "string" && typeof o.name === "string")
      names.set(o.id, o.name);
  const out = new Map<string, string[]>();
  for (const o of objects) {
    if (o.type !== "relationship" || o.relationship_type !== "indicates") continue;
    const name = names.get(String(o.target_ref));
    if (name) out.set(String(o.source_ref), [...(out.get(String(o.source_ref)) ?? []), name]);
  }
  return out;
}

function instant(o: Obj, field: string, id: string): number | null {
  const v = o[field];
  if (v === undefined || v === null) return null;
  const ms = typeof v === "string" ? parseInstant(v) : undefined;
  if (ms === undefined) throw invalid(`Indicator ${id}: ${field} must be a timestamp`, { indicator: id, field });
  return ms;
}

function indicatorInputs(o: Obj, index: number, campaigns: Map<string, string[]>): IndicatorInput[] {
  const id = typeof o.id === "string" ? o.id : `objects[${index}]`;
  const pattern = typeof o.pattern === "string" ? o.pattern : "";
  const refuse = (what: string): never => {
    throw invalid(`Indicator ${id}: unsupported STIX pattern ${JSON.stringify(pattern.slice(0, 300))} (${what})`, {
      indicator: id,
      pattern: pattern.slice(0, 300),
      unsupported: what,
      supported: "ipv4-addr, ipv6-addr and domain-name value equality, joined with OR",
    });
  };
  if ((o.pattern_type ?? "stix") !== "stix") refuse(`pattern_type '${String(o.pattern_type)}'`);
  if (!pattern) refuse("no pattern");
  const reputation = reputationOf(o);
  if (o.revoked === true || !reputation) return [];
  const related = campaigns.get(id);
  const labels = (Array.isArray(o.labels) ? o.labels : []).filter((l) => !TYPE_WORDS.has(String(l).toLowerCase()));
  const common = {
    reputation,
    campaigns: cleanCampaigns(related ?? labels),
    firstSeen: instant(o, "valid_from", id),
    validUntil: instant(o, "valid_until", id),
  };
  return patternValues(pattern, refuse).map(({ object, value }) => {
    const kind = OBJECT_KINDS[object]!;
    // An address value may be a network (`10.0.0.0/8`), as STIX allows for ipv4-addr and ipv6-addr.
    const canonical = canonicalIndicator(kind === "ip" && value.includes("/") ? "cidr" : kind, value);
    if (!canonical) throw invalid(`Indicator ${id}: '${value.slice(0, 100)}' is not a valid ${object}`, { indicator: id, value });
    return { ...canonical, ...common };
  });
}

export function parseStixBundle(body: unknown): IndicatorInput[] {
  const bundle = body as Obj | null;
  if (!bundle || typeof bundle !== "object" || bundle.type !== "bundle" || !Array.isArray(bundle.objects))
    throw invalid('Expected a STIX 2.1 bundle: {"type": "bundle", "objects": [...]}');
  const objects = (bundle.objects as unknown[]).filter((o): o is Obj => !!o && typeof o === "object" && !Array.isArray(o));
  const campaigns = campaignsByIndicator(objects);
  const out: IndicatorInput[] = [];
  objects.forEach((o, i) => {
    if (o.type !== "indicator") return;
    out.push(...indicatorInputs(o, i, campaigns));
    checkCount(out.length);
  });
  if (!out.length) throw invalid("The bundle has no indicators to import");
  return out;
}
