import sqlite from "node-sql-parser/build/sqlite.js";
import { ApiError } from "../../platform/errors";
import type { Comparison, Condition, Scalar } from "./condition";

/**
 * The seed's rule query (`SELECT * FROM logs WHERE jsonPayload.message LIKE '%Failed password%'`),
 * parsed by a real SQL parser and accepted only within a safe subset: one SELECT * from `logs`,
 * a WHERE of AND/OR/NOT over =, !=, <>, <, >, <=, >=, LIKE, IN, IS [NOT] NULL, comparing a field to a
 * literal. Anything else is refused with the construct named. The text is never executed: the tree
 * becomes a `Condition`, compiled to a matcher and to parameterised SQL.
 */
const parser = new sqlite.Parser();
export const MAX_QUERY_LENGTH = 4000;
const MAX_IN_VALUES = 50;

const refuse = (construct: string) =>
  new ApiError("invalid_request", `Rule queries may not use ${construct}`, { field: "conditions.query", construct });

/**
 * Dotted paths deeper than table.column (`jsonPayload.request.path`) are not SQL; outside string
 * literals they are quoted as one identifier before parsing, then split back into a path.
 */
function quoteDottedPaths(text: string): string {
  return text.replace(/('(?:[^']|'')*')|([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*){2,})/g, (m, str: string | undefined, path: string) =>
    str ? m : `\`${path}\``,
  );
}

type Node = { type: string; [k: string]: unknown };

function path(node: Node): string[] {
  if (node.type !== "column_ref") throw refuse(node.type === "function" ? "functions" : `a ${node.type} where a field belongs`);
  const column = String(node.column);
  if (column === "*") throw refuse("* in a condition");
  const parts = [...(node.table ? [String(node.table)] : []), ...column.split(".")];
  if (parts.some((p) => !/^[A-Za-z_][\w]*$/.test(p))) throw refuse(`the field name '${parts.join(".")}'`);
  return parts;
}

function literal(node: Node): Scalar {
  switch (node.type) {
    case "number":
      return Number(node.value);
    case "single_quote_string":
      return String(node.value);
    case "bool":
      return node.value ? 1 : 0;
    case "null":
      return null;
    default:
      throw refuse(node.type === "column_ref" ? "a comparison between two fields" : `a ${node.type} as a value`);
  }
}

const COMPARISONS: Record<string, Comparison> = { "=": "=", "!=": "!=", "<>": "!=", "<": "<", ">": ">", "<=": "<=", ">=": ">=" };

function condition(node: Node): Condition {
  if (node.type === "unary_expr" && node.operator === "NOT") return { op: "not", item: condition(node.expr as Node) };
  if (node.type !== "binary_expr") throw refuse(node.type === "function" ? "functions" : `a ${node.type} as a condition`);
  const op = String(node.operator);
  const [left, right] = [node.left as Node, node.right as Node];
  if (op === "AND" || op === "OR") return { op: op === "AND" ? "and" : "or", items: [condition(left), condition(right)] };
  const not = (c: Condition): Condition => ({ op: "not", item: c });
  if (op in COMPARISONS) return { op: "cmp", path: path(left), cmp: COMPARISONS[op]!, value: literal(right) };
  if (op === "LIKE" || op === "NOT LIKE") {
    const pattern = literal(right);
    if (typeof pattern !== "string") throw refuse("LIKE with a non-string pattern");
    const c: Condition = { op: "like", path: path(left), pattern };
    return op === "LIKE" ? c : not(c);
  }
  if (op === "IN" || op === "NOT IN") {
    const list = right.type === "expr_list" ? (right.value as Node[]) : [];
    if (list.some((v) => "ast" in v)) throw refuse("subqueries");
    if (!list.length || list.length > MAX_IN_VALUES) throw refuse(`IN lists outside 1–${MAX_IN_VALUES} values`);
    const c: Condition = { op: "in", path: path(left), values: list.map(literal) };
    return op === "IN" ? c : not(c);
  }
  if ((op === "IS" || op === "IS NOT") && right.type === "null") {
    const c: Condition = { op: "null", path: path(left) };
    return op === "IS" ? c : not(c);
  }
  throw refuse(`the operator ${op}`);
}

function checkShape(ast: Node): void {
  if (ast.type !== "select") throw refuse(`${String(ast.type).toUpperCase()} statements`);
  if (ast._next || ast.set_op) throw refuse("UNION, INTERSECT or EXCEPT");
  const from = (ast.from as { table?: string; join?: string; expr?: unknown }[] | null) ?? [];
  if (from.length !== 1 || from[0]!.join || from[0]!.expr) throw refuse("joins, subqueries or several tables");
  if (from[0]!.table !== "logs") throw refuse(`the table '${from[0]!.table}' (only 'logs')`);
  const columns = ast.columns as { expr: Node }[];
  if (columns.length !== 1 || columns[0]!.expr.column !== "*") throw refuse("a column list (only SELECT *)");
  for (const clause of ["with", "groupby", "having", "orderby", "limit", "distinct"] as const) {
    const v = ast[clause] as { value?: unknown[] } | null;
    if (v && (!("value" in v) || (Array.isArray(v.value) && v.value.length))) throw refuse(clause.toUpperCase());
  }
}

export function parseRuleQuery(text: string): Condition {
  if (text.length > MAX_QUERY_LENGTH) throw refuse(`queries over ${MAX_QUERY_LENGTH} characters`);
  let ast: Node | Node[];
  try {
    ast = parser.astify(quoteDottedPaths(text), { database: "sqlite" }) as unknown as Node | Node[];
  } catch (err) {
    throw new ApiError("invalid_request", "The rule query is not valid SQL", {
      field: "conditions.query",
      parser: err instanceof Error ? err.message.slice(0, 300) : "parse error",
    });
  }
  if (Array.isArray(ast)) {
    if (ast.length !== 1) throw refuse("several statements");
    ast = ast[0]!;
  }
  checkShape(ast);
  if (!ast.where) throw refuse("a query without WHERE (it would match every log)");
  return condition(ast.where as Node);
}
