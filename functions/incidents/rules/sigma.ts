import yaml from "js-yaml";
import type { IncidentSeverity } from "../../../schema";
import { ApiError } from "../../platform/errors";
import type { Condition, Scalar } from "./condition";

/**
 * Sigma rules (https://sigmahq.io) compiled to the same condition tree as the SQL-like queries.
 * Supported: selections as maps (fields ANDed) or lists of maps (ORed), value lists (ORed, or
 * ANDed with `|all`), the modifiers `contains`, `startswith`, `endswith` and `all`, Sigma's own
 * `*`/`?` wildcards and case-insensitive matching, and conditions with and/or/not, parentheses,
 * `1 of`/`all of` a selection pattern or `them`. Anything else (`re`, `base64`, `cidr`, pipes,
 * keyword lists…) is a 400 naming it: `re` in particular, because D1 has no regular expressions and
 * a rule must evaluate the same in the matcher and in a backtest.
 */
export interface SigmaRule {
  title: string;
  description: string | null;
  severity: IncidentSeverity;
  timeWindow?: number;
  condition: Condition;
}

const refuse = (what: string) =>
  new ApiError("invalid_request", `Sigma: ${what} is not supported`, { field: "sigma", unsupported: what });
const invalid = (what: string) => new ApiError("invalid_request", `Sigma: ${what}`, { field: "sigma" });

const LEVELS: Record<string, IncidentSeverity> = {
  critical: "CRITICAL",
  high: "HIGH",
  medium: "MEDIUM",
  low: "LOW",
  informational: "LOW",
};
const FIELD = /^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/;

/** Sigma's `*` and `?` become LIKE wildcards; LIKE's own `%`, `_` and `\` are escaped. */
function sigmaPattern(value: string, prefix: string, suffix: string): string {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === "\\" && i + 1 < value.length && "*?\\".includes(value[i + 1]!))
      out += ["*", "?"].includes(value[++i]!) ? value[i] : "\\\\";
    else if (ch === "*") out += "%";
    else if (ch === "?") out += "_";
    else out += "%_\\".includes(ch) ? `\\${ch}` : ch;
  }
  return `${prefix}${out}${suffix}`;
}

function fieldCondition(key: string, raw: unknown): Condition {
  const [field, ...modifiers] = key.split("|");
  if (!field || !FIELD.test(field)) throw invalid(`the field name '${field}'`);
  const path = field.split(".");
  const all = modifiers.includes("all");
  const kind = modifiers.filter((m) => m !== "all");
  if (kind.length > 1 || (kind[0] && !["contains", "startswith", "endswith"].includes(kind[0])))
    throw refuse(`the modifier '${kind.join("|")}'`);
  const values = (Array.isArray(raw) ? raw : [raw]) as unknown[];
  if (!values.length || values.length > 50) throw invalid(`'${key}' needs 1 to 50 values`);
  const one = (v: unknown): Condition => {
    if (v === null) return { op: "null", path };
    if (typeof v === "number") {
      if (kind[0]) throw refuse(`'${kind[0]}' on a number`);
      return { op: "cmp", path, cmp: "=", value: v as Scalar };
    }
    if (typeof v === "boolean") return { op: "cmp", path, cmp: "=", value: v ? 1 : 0 };
    if (typeof v !== "string") throw invalid(`'${key}' has a value that is not a string, number or null`);
    const [pre, post] =
      kind[0] === "contains" ? ["%", "%"] : kind[0] === "startswith" ? ["", "%"] : kind[0] === "endswith" ? ["%", ""] : ["", ""];
    return { op: "like", path, pattern: sigmaPattern(v, pre, post), escaped: true };
  };
  const items = values.map(one);
  return items.length === 1 ? items[0]! : { op: all ? "and" : "or", items };
}

function selectionCondition(name: string, body: unknown): Condition {
  if (Array.isArray(body)) {
    if (body.some((b) => typeof b !== "object" || b === null)) throw refuse(`keyword lists (selection '${name}')`);
    return { op: "or", items: body.map((b, i) => selectionCondition(`${name}[${i}]`, b)) };
  }
  if (typeof body !== "object" || body === null) throw invalid(`selection '${name}' must be a map or a list of maps`);
  const entries = Object.entries(body as Record<string, unknown>);
  if (!entries.length) throw invalid(`selection '${name}' is empty`);
  const items = entries.map(([k, v]) => fieldCondition(k, v));
  return items.length === 1 ? items[0]! : { op: "and", items };
}

/** A recursive-descent parser for Sigma's condition expression. */
function parseCondition(text: string, selections: Map<string, Condition>): Condition {
  if (text.includes("|")) throw refuse("aggregations in the condition (`|`)");
  const tokens = text.match(/\(|\)|[^\s()]+/g) ?? [];
  let pos = 0;
  const peek = () => tokens[pos]?.toLowerCase();
  const matching = (pattern: string) => {
    if (pattern === "them") return [...selections.values()];
    const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*")}$`);
    const found = [...selections.entries()].filter(([n]) => re.test(n)).map(([, c]) => c);
    if (!found.length) throw invalid(`no selection matches '${pattern}'`);
    return found;
  };
  const primary = (): Condition => {
    const t = tokens[pos++];
    if (t === undefined) throw invalid("the condition ends early");
    if (t === "(") {
      const inner = or();
      if (tokens[pos++] !== ")") throw invalid("unbalanced parentheses in the condition");
      return inner;
    }
    if (t.toLowerCase() === "not") return { op: "not", item: primary() };
    if ((t === "1" || t.toLowerCase() === "all") && peek() === "of") {
      pos++;
      const target = tokens[pos++];
      if (!target) throw invalid("'of' needs a selection pattern or 'them'");
      return { op: t === "1" ? "or" : "and", items: matching(target) };
    }
    const selection = selections.get(t);
    if (!selection) throw invalid(`the condition names an unknown selection '${t}'`);
    return selection;
  };
  const and = (): Condition => {
    const items = [primary()];
    while (peek() === "and") (pos++, items.push(primary()));
    return items.length === 1 ? items[0]! : { op: "and", items };
  };
  const or = (): Condition => {
    const items = [and()];
    while (peek() === "or") (pos++, items.push(and()));
    return items.length === 1 ? items[0]! : { op: "or", items };
  };
  const result = or();
  if (pos !== tokens.length) throw invalid(`unexpected '${tokens[pos]}' in the condition`);
  return result;
}

const TIMEFRAME = /^(\d{1,5})(s|m|h|d)$/;

export function parseSigma(text: string): SigmaRule {
  let doc: unknown;
  try {
    doc = yaml.load(text, { schema: yaml.JSON_SCHEMA });
  } catch (err) {
    throw invalid(`the YAML does not parse (${err instanceof Error ? err.message.split("\n")[0] : "error"})`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw invalid("a rule must be one YAML document, a map");
  const rule = doc as Record<string, unknown>;
  if (typeof rule.title !== "string" || !rule.title.trim()) throw invalid("'title' is required");
  const detection = rule.detection as Record<string, unknown> | undefined;
  if (!detection || typeof detection !== "object") throw invalid("'detection' is required");
  const { condition, timeframe, ...named } = detection;
  const selections = new Map(Object.entries(named).map(([n, body]) => [n, selectionCondition(n, body)]));
  const conditionText = Array.isArray(condition) ? condition.map((c) => `(${c})`).join(" or ") : condition;
  if (typeof conditionText !== "string") throw invalid("'detection.condition' is required");
  const frame = typeof timeframe === "string" ? TIMEFRAME.exec(timeframe) : null;
  if (timeframe !== undefined && !frame) throw invalid("'timeframe' must look like 30s, 5m, 1h or 1d");
  const timeWindow = frame
    ? Number(frame[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[frame[2] as "s" | "m" | "h" | "d"]
    : undefined;
  if (timeWindow !== undefined && (timeWindow < 1 || timeWindow > 86_400)) throw invalid("'timeframe' must be 1 s to 1 d");
  return {
    title: rule.title.trim().slice(0, 200),
    description: typeof rule.description === "string" ? rule.description.slice(0, 2000) : null,
    severity: LEVELS[String(rule.level ?? "medium")] ?? "MEDIUM",
    timeWindow,
    condition: parseCondition(conditionText, selections),
  };
}
