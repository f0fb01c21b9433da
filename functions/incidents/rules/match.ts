import type { Condition, Scalar } from "./condition";

/**
 * Evaluates a condition against one log record the way SQLite evaluates the compiled SQL over the
 * stored record, so a rule's test and its backtest agree: three-valued logic (a missing field is
 * NULL, and any comparison with NULL is unknown, which never matches), SQLite's ordering across
 * types (numbers before text), ASCII-case-insensitive LIKE with % and _, booleans as 1 and 0, and
 * objects or arrays as their JSON text.
 */
type Value = number | string | null;

/** The field at `path`; a record without `jsonPayload` is itself the payload (the seed's samples). */
export function fieldOf(record: Record<string, unknown>, path: string[]): Value {
  const resolved = path[0] === "jsonPayload" && !("jsonPayload" in record) ? path.slice(1) : path;
  let v: unknown = record;
  for (const key of resolved) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return null;
    v = (v as Record<string, unknown>)[key];
  }
  if (v === undefined || v === null) return null;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number" || typeof v === "string") return v;
  return JSON.stringify(v);
}

function compare(a: Value, b: Scalar): number | null {
  if (a === null || b === null) return null;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "number") return -1; // numbers sort before text
  if (typeof b === "number") return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** SQLite's LIKE folds the case of ASCII letters only. */
const asciiLower = (s: string) => s.replace(/[A-Z]/g, (ch) => ch.toLowerCase());
const likeCache = new Map<string, RegExp>();

/** The pattern as a regular expression; with `escaped`, a backslash makes the next character literal. */
function likeSource(pattern: string, escaped: boolean): string {
  let out = "";
  const chars = [...asciiLower(pattern)];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (escaped && ch === "\\" && i + 1 < chars.length) out += chars[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    else if (ch === "%") out += "[\\s\\S]*";
    else if (ch === "_") out += "[\\s\\S]";
    else out += ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return out;
}

function like(v: Value, pattern: string, escaped = false): boolean | null {
  if (v === null) return null;
  const key = `${escaped ? "e" : "p"}${pattern}`;
  let re = likeCache.get(key);
  if (!re) {
    re = new RegExp(`^${likeSource(pattern, escaped)}$`, "u");
    if (likeCache.size > 1000) likeCache.clear();
    likeCache.set(key, re);
  }
  return re.test(asciiLower(typeof v === "number" ? String(v) : v));
}

/** true, false, or null (unknown). `seen` collects each leaf's own outcome, for `test`. */
export function evaluate(c: Condition, record: Record<string, unknown>, seen?: Map<Condition, boolean>): boolean | null {
  let r: boolean | null;
  switch (c.op) {
    case "and": {
      const rs = c.items.map((i) => evaluate(i, record, seen));
      r = rs.includes(false) ? false : rs.includes(null) ? null : true;
      break;
    }
    case "or": {
      const rs = c.items.map((i) => evaluate(i, record, seen));
      r = rs.includes(true) ? true : rs.includes(null) ? null : false;
      break;
    }
    case "not": {
      const inner = evaluate(c.item, record, seen);
      return inner === null ? null : !inner;
    }
    case "cmp": {
      const d = compare(fieldOf(record, c.path), c.value);
      if (d === null) r = null;
      else r = { "=": d === 0, "!=": d !== 0, "<": d < 0, ">": d > 0, "<=": d <= 0, ">=": d >= 0 }[c.cmp];
      break;
    }
    case "like":
      r = like(fieldOf(record, c.path), c.pattern, c.escaped);
      break;
    case "in": {
      const v = fieldOf(record, c.path);
      const hits = c.values.map((x) => compare(v, x));
      r = v === null ? null : hits.includes(0) ? true : hits.includes(null) ? null : false;
      break;
    }
    case "null":
      r = fieldOf(record, c.path) === null;
      break;
  }
  if (seen && c.op !== "and" && c.op !== "or") seen.set(c, r === true);
  return r;
}

export const matches = (c: Condition, record: Record<string, unknown>) => evaluate(c, record) === true;
