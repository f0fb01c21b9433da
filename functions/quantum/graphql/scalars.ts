import { GraphQLError, GraphQLScalarType, Kind, valueFromASTUntyped } from "graphql";

function toIso(value: unknown): string {
  const date = typeof value === "string" || typeof value === "number" ? new Date(value) : value instanceof Date ? value : null;
  if (!date || Number.isNaN(date.getTime())) throw new GraphQLError("DateTime cannot represent this value");
  return date.toISOString();
}

/** ISO 8601 in UTC; resolvers may hand it ISO strings, Dates or Unix milliseconds. */
export const DateTimeScalar = new GraphQLScalarType({
  name: "DateTime",
  serialize: toIso,
  parseValue: (value) => {
    if (typeof value !== "string") throw new GraphQLError("DateTime must be an ISO 8601 string");
    return toIso(value);
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError("DateTime must be an ISO 8601 string", { nodes: [ast] });
    return toIso(ast.value);
  },
});

/** Any JSON value, passed through as is (inputs are bounded by the request body limit and each field's own checks). */
export const JSONScalar = new GraphQLScalarType({
  name: "JSON",
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});
