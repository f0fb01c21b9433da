import { ApiError } from "../../platform/errors";
import type { Condition, Scalar } from "./condition";

/**
 * A condition as a parameterised SQL predicate over a stored log's JSON `payload`, for
 * backtests in D1. Field names are validated identifiers and go into JSON paths only as bound
 * parameters; every value is bound. The caller adds the tenant and time bounds.
 */
export interface CompiledSql {
  where: string;
  params: Scalar[];
}

/** D1 binds at most 100 parameters; the backtest query adds three of its own. */
export const MAX_CONDITION_PARAMS = 90;

const jsonPath = (parts: string[]) => `$${parts.map((p) => `."${p}"`).join("")}`;

/** Mirrors `fieldOf`: a stored record without `jsonPayload` is itself the payload. */
function field(path: string[], params: Scalar[]): string {
  if (path[0] !== "jsonPayload") {
    params.push(jsonPath(path));
    return "json_extract(payload, ?)";
  }
  params.push(jsonPath(path), jsonPath(path.slice(1)));
  return `(CASE WHEN json_type(payload, '$."jsonPayload"') IS NOT NULL THEN json_extract(payload, ?) ELSE json_extract(payload, ?) END)`;
}

function predicate(c: Condition, params: Scalar[]): string {
  switch (c.op) {
    case "and":
    case "or":
      return `(${c.items.map((i) => predicate(i, params)).join(c.op === "and" ? " AND " : " OR ")})`;
    case "not":
      return `(NOT ${predicate(c.item, params)})`;
    case "cmp": {
      const f = field(c.path, params);
      params.push(c.value);
      return `(${f} ${c.cmp} ?)`;
    }
    case "like": {
      const f = field(c.path, params);
      params.push(c.pattern);
      return c.escaped ? `(${f} LIKE ? ESCAPE '\\')` : `(${f} LIKE ?)`;
    }
    case "in": {
      const f = field(c.path, params);
      params.push(...c.values);
      return `(${f} IN (${c.values.map(() => "?").join(", ")}))`;
    }
    case "null":
      return `(${field(c.path, params)} IS NULL)`;
  }
}

export function compileSql(c: Condition): CompiledSql {
  const params: Scalar[] = [];
  const where = predicate(c, params);
  if (params.length > MAX_CONDITION_PARAMS)
    throw new ApiError("invalid_request", `The rule's conditions need ${params.length} values; at most ${MAX_CONDITION_PARAMS}`, {
      field: "conditions",
    });
  return { where, params };
}
