import { pageOf } from "../pagination";
import { and, desc, eq } from "drizzle-orm";
import { rules, type RuleActions, type RuleConditions } from "../../../schema";
import type { Database } from "../../platform/db";
import { ApiError, notFound } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { isoTime } from "../../platform/time";
import type { Condition } from "./condition";
import { compileSql } from "./compile-sql";
import { parseSigma } from "./sigma";
import { parseRuleQuery } from "./sql-query";

export type Rule = typeof rules.$inferSelect;

export interface RuleInput {
  name: string;
  description?: string | null;
  type: Rule["type"];
  severity: Rule["severity"];
  enabled: boolean;
  conditions: RuleConditions;
  actions: RuleActions;
}

const FIELD_PATH = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/;

/** Parses and checks a rule's conditions once, at write time; the tree is what evaluation runs. */
export function compileConditions(conditions: RuleConditions, parsed?: Condition): Condition {
  const condition = parsed ?? parseRuleQuery(conditions.query);
  compileSql(condition);
  if (conditions.group_by !== undefined && !FIELD_PATH.test(conditions.group_by))
    throw new ApiError("invalid_request", "group_by must be a dotted field path", { field: "conditions.group_by" });
  return condition;
}

export const ruleCondition = (r: Rule) => JSON.parse(r.condition) as Condition;

export function ruleView(r: Rule) {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    type: r.type,
    severity: r.severity,
    enabled: r.enabled,
    conditions: r.conditions,
    actions: r.actions,
    source: r.source,
    created_at: isoTime(r.createdAt),
    updated_at: isoTime(r.updatedAt),
  };
}

export async function createRule(
  db: Database,
  tenantId: string,
  input: RuleInput,
  source: Rule["source"] = "sql",
  parsed?: Condition,
) {
  const condition = compileConditions(input.conditions, parsed);
  const now = Date.now();
  const [row] = await db
    .insert(rules)
    .values({
      id: newId("rul"),
      tenantId,
      ...input,
      condition: JSON.stringify(condition),
      source,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return row!;
}

export async function findRule(db: Database, tenantId: string, id: string): Promise<Rule> {
  const row = await db
    .select()
    .from(rules)
    .where(and(eq(rules.tenantId, tenantId), eq(rules.id, id)))
    .get();
  if (!row) throw notFound(`Rule '${id}'`, { rule_id: id });
  return row;
}

export async function updateRule(db: Database, before: Rule, change: Partial<RuleInput>) {
  const conditions = change.conditions ?? before.conditions;
  // A Sigma rule's query is its YAML: it is compiled again as Sigma.
  const parsed = change.conditions && before.source === "sigma" ? parseSigma(conditions.query).condition : undefined;
  const condition = change.conditions ? JSON.stringify(compileConditions(conditions, parsed)) : before.condition;
  const [row] = await db
    .update(rules)
    .set({ ...change, conditions, condition, updatedAt: Date.now() })
    .where(and(eq(rules.tenantId, before.tenantId), eq(rules.id, before.id)))
    .returning();
  return row!;
}

export async function deleteRule(db: Database, tenantId: string, id: string) {
  const gone = await db
    .delete(rules)
    .where(and(eq(rules.tenantId, tenantId), eq(rules.id, id)))
    .returning({ id: rules.id });
  if (!gone.length) throw notFound(`Rule '${id}'`, { rule_id: id });
}

export interface RuleListQuery {
  enabled?: boolean;
  type?: Rule["type"];
  severity?: Rule["severity"];
  page: number;
  per_page: number;
}

export async function listRules(db: Database, tenantId: string, q: RuleListQuery) {
  const where = and(
    eq(rules.tenantId, tenantId),
    q.enabled === undefined ? undefined : eq(rules.enabled, q.enabled),
    q.type ? eq(rules.type, q.type) : undefined,
    q.severity ? eq(rules.severity, q.severity) : undefined,
  );
  return pageOf(db, rules, where, [desc(rules.createdAt), desc(rules.id)], q);
}
