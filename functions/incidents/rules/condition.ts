/**
 * A detection rule's condition, whatever it was written in (the seed's SQL-like query, or Sigma):
 * a small boolean tree over log fields, compiled both to an in-memory matcher and to D1 SQL.
 * Paths are field names from the log record's root (`["jsonPayload", "message"]`).
 */
export type Scalar = string | number | null;
export type Comparison = "=" | "!=" | "<" | ">" | "<=" | ">=";

export type Condition =
  | { op: "and" | "or"; items: Condition[] }
  | { op: "not"; item: Condition }
  | { op: "cmp"; path: string[]; cmp: Comparison; value: Scalar }
  /** `escaped`: a backslash makes the next character literal (`LIKE … ESCAPE '\'`); Sigma values need it. */
  | { op: "like"; path: string[]; pattern: string; escaped?: boolean }
  | { op: "in"; path: string[]; values: Scalar[] }
  | { op: "null"; path: string[] };

/** Leaf conditions in a readable form, as `test` reports which of them matched. */
export function describeLeaf(c: Condition): string {
  const field = "path" in c ? c.path.join(".") : "";
  const lit = (v: Scalar) => (typeof v === "string" ? `'${v.replaceAll("'", "''")}'` : String(v));
  switch (c.op) {
    case "cmp":
      return `${field} ${c.cmp} ${lit(c.value)}`;
    case "like":
      return `${field} LIKE ${lit(c.pattern)}${c.escaped ? " ESCAPE '\\'" : ""}`;
    case "in":
      return `${field} IN (${c.values.map(lit).join(", ")})`;
    case "null":
      return `${field} IS NULL`;
    default:
      return c.op;
  }
}

export function leaves(c: Condition): Condition[] {
  if (c.op === "and" || c.op === "or") return c.items.flatMap(leaves);
  if (c.op === "not") return leaves(c.item);
  return [c];
}
