import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type FieldNode,
  type GraphQLNamedType,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from "graphql";

/**
 * Query limits, enforced while validating, before anything runs. Depth: nested fields of the
 * schema's own types. Cost: one per field, ten per root field (each reads storage), and a list
 * field's selection counted once per item it may return. Introspection is answered from memory and
 * is left out of both (the standard introspection query alone nests about a dozen levels); graphql's
 * own MaxIntrospectionDepthRule, among the specified rules, stops "fields { type { fields …" bombs.
 */
export const LIMITS = { depth: 8, cost: 5_000 } as const;

const ROOT_TYPES = new Set(["Query", "Mutation", "Subscription"]);
const ROOT_FIELD_COST = 10;

/**
 * How many times a field's selection counts: the items it may return. `agents` pages up to its
 * limit argument (100 when it is a variable or left out), counted on `agents` itself so that its
 * connection's `nodes` does not count them again.
 */
function itemsOf(parent: string, field: FieldNode, list: boolean): number {
  const key = `${parent}.${field.name.value}`;
  if (key === "Query.agents") {
    const limit = field.arguments?.find((a) => a.name.value === "limit")?.value;
    return limit?.kind === Kind.INT ? Math.min(Math.max(Number(limit.value), 1), 100) : 100;
  }
  if (!list || key === "AgentConnection.nodes") return 1;
  if (key === "CoordinationStatus.recentRounds") return 20;
  // Cluster members and anything else listed: assume a large cluster.
  return 100;
}

interface Tally {
  cost: number;
  depth: number;
}

const ZERO: Tally = { cost: 0, depth: 0 };

const merge = (a: Tally, b: Tally): Tally => ({ cost: a.cost + b.cost, depth: Math.max(a.depth, b.depth) });

/**
 * One pass over an operation. Fragments are tallied once each (memoised by name), so a document
 * that spreads fragments into fragments costs linear time to measure; a cyclic spread is skipped
 * here and reported by graphql's own NoFragmentCycles rule.
 */
class Measure {
  private readonly fragments = new Map<string, Tally>();

  constructor(private readonly ctx: ValidationContext) {}

  selectionSet(set: SelectionSetNode, type: GraphQLNamedType | undefined): Tally {
    let total = ZERO;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) total = merge(total, this.field(sel, type));
      else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const t = sel.typeCondition ? this.ctx.getSchema().getType(sel.typeCondition.name.value) : type;
        total = merge(total, this.selectionSet(sel.selectionSet, t ?? undefined));
      } else total = merge(total, this.fragment(sel.name.value));
    }
    return total;
  }

  private fragment(name: string): Tally {
    const known = this.fragments.get(name);
    if (known) return known;
    const def = this.ctx.getFragment(name);
    if (!def) return ZERO;
    this.fragments.set(name, ZERO); // a cycle meets ZERO instead of recursing
    const tally = this.selectionSet(def.selectionSet, this.ctx.getSchema().getType(def.typeCondition.name.value) ?? undefined);
    this.fragments.set(name, tally);
    return tally;
  }

  private field(node: FieldNode, parent: GraphQLNamedType | undefined): Tally {
    // __typename, __schema and __type: answered from the schema in memory.
    if (node.name.value.startsWith("__")) return ZERO;
    const def = parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[node.name.value] : undefined;
    const child = node.selectionSet ? this.selectionSet(node.selectionSet, def && getNamedType(def.type)) : ZERO;
    const list = def ? isListType(getNullableType(def.type)) : false;
    const own = parent && ROOT_TYPES.has(parent.name) ? ROOT_FIELD_COST : 1;
    return { cost: own + (parent ? itemsOf(parent.name, node, list) : 1) * child.cost, depth: 1 + child.depth };
  }
}

const refuse = (message: string, code: string) => new GraphQLError(message, { extensions: { code } });

/** The depth and cost limits, as one validation rule. */
export const OperationLimitsRule: ValidationRule = (ctx) => ({
  OperationDefinition(op) {
    const type = ctx.getSchema().getRootType(op.operation) ?? undefined;
    const t = new Measure(ctx).selectionSet(op.selectionSet, type);
    if (t.depth > LIMITS.depth)
      ctx.reportError(refuse(`The query is ${t.depth} levels deep; at most ${LIMITS.depth} are allowed`, "QUERY_TOO_DEEP"));
    if (t.cost > LIMITS.cost)
      ctx.reportError(refuse(`The query would cost ${t.cost}; at most ${LIMITS.cost} is allowed`, "QUERY_TOO_COMPLEX"));
  },
});
