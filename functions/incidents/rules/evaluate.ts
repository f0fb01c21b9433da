import { and, between, eq, isNull, sql } from "drizzle-orm";
import { logs, ruleFirings, ruleMatches, rules, type IncidentSeverity } from "../../../schema";
import { chunked, type Database } from "../../platform/db";
import { derivedEventId, emitEvent } from "../../platform/events/emit";
import { registerJob, type JobContext } from "../../platform/jobs";
import { announceIncident } from "../incidents";
import { EVALUATE_LOGS_JOB } from "../logs";
import { notifyRuleFired } from "../notifications/notify";
import { findIncident, openIncident, type NewIncident } from "../store";
import { fieldOf, matches } from "./match";
import { DEFAULT_THRESHOLDS, DEFAULT_WINDOW_S, thresholdsHold } from "./thresholds";
import { ruleCondition, type Rule } from "./store";

/** A match row binds four values; D1 allows 100 a statement. */
const MATCH_ROWS_PER_INSERT = 25;

type LogRow = { id: number; receivedAt: number; payload: string };
type Hit = { logId: number; group: string; at: number };

function hitsOf(rule: Rule, batch: { row: LogRow; record: Record<string, unknown> }[]): Hit[] {
  const condition = ruleCondition(rule);
  const groupPath = rule.conditions.group_by?.split(".");
  return batch
    .filter((l) => matches(condition, l.record))
    .map((l) => ({ logId: l.row.id, at: l.row.receivedAt, group: groupPath ? String(fieldOf(l.record, groupPath) ?? "") : "" }));
}

const ESCALATED: Record<IncidentSeverity, IncidentSeverity> = {
  LOW: "MEDIUM",
  MEDIUM: "HIGH",
  HIGH: "CRITICAL",
  CRITICAL: "CRITICAL",
};

type Firing = { firedAt: number; incidentId: string | null; incidentCreated: boolean };

/**
 * Fires at most once per rule, group and window: the firing row is claimed by a conditional
 * upsert, so a redelivered job or a concurrent batch cannot fire twice. A firing with the same
 * `fired_at` that never completed is handed back to be resumed: only a redelivery of the batch
 * that claimed it computes the same `fired_at`, and every step it repeats is idempotent (derived
 * event ids; the incident is recorded on the firing once opened).
 */
async function claimFiring(db: Database, rule: Rule, group: string, at: number, windowMs: number): Promise<Firing | null> {
  // One statement on the hot path: a new window claims the row afresh; the same `fired_at` left
  // unfinished hands back what its earlier try recorded; anything else returns no row.
  const [row] = await db.all<{ fired_at: number; incident_id: string | null; incident_created: number }>(sql`
    INSERT INTO rule_firings (rule_id, group_value, fired_at) VALUES (${rule.id}, ${group}, ${at})
    ON CONFLICT (rule_id, group_value) DO UPDATE SET
      fired_at = excluded.fired_at,
      completed_at = NULL,
      incident_id = CASE WHEN rule_firings.fired_at = excluded.fired_at THEN rule_firings.incident_id END,
      incident_created = CASE WHEN rule_firings.fired_at = excluded.fired_at THEN rule_firings.incident_created ELSE 0 END
    WHERE rule_firings.fired_at <= excluded.fired_at - ${windowMs}
       OR (rule_firings.fired_at = excluded.fired_at AND rule_firings.completed_at IS NULL)
    RETURNING fired_at, incident_id, incident_created`);
  return row ? { firedAt: row.fired_at, incidentId: row.incident_id, incidentCreated: row.incident_created === 1 } : null;
}

const thisFiring = (rule: Rule, group: string, at: number) =>
  and(
    eq(ruleFirings.ruleId, rule.id),
    eq(ruleFirings.groupValue, group),
    eq(ruleFirings.firedAt, at),
    isNull(ruleFirings.completedAt),
  );

function incidentFor(rule: Rule, group: string, count: number, details: Record<string, unknown>): NewIncident {
  const severity = rule.actions.escalate ? ESCALATED[rule.severity] : rule.severity;
  return {
    type:
      rule.name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "_")
        .replace(/^_+|_+$/g, "")
        .slice(0, 100) || "rule_match",
    severity,
    description: `Rule '${rule.name}' fired: ${count} matching log(s) within ${rule.conditions.time_window ?? DEFAULT_WINDOW_S} s${group ? ` for ${group}` : ""}`,
    affected_resources: group ? [group] : [],
    metadata: { ...details, time_window: rule.conditions.time_window ?? DEFAULT_WINDOW_S, escalated: severity !== rule.severity },
    dedup_key: `rule:${rule.id}:${group}`,
  };
}

/** Opens the firing's incident, or finds the one an interrupted earlier try opened. */
async function incidentOf(db: Database, rule: Rule, group: string, firing: Firing, input: NewIncident) {
  if (firing.incidentId)
    return { incident: await findIncident(db, rule.tenantId, firing.incidentId), created: firing.incidentCreated };
  const opened = await openIncident(db, rule.tenantId, input, `rule:${rule.id}`);
  await db
    .update(ruleFirings)
    .set({ incidentId: opened.incident.id, incidentCreated: opened.created })
    .where(thisFiring(rule, group, firing.firedAt));
  return opened;
}

async function fire(ctx: JobContext, rule: Rule, group: string, count: number, firstMatchAt: number, firing: Firing) {
  const { env, db, log } = ctx;
  const details = {
    rule_id: rule.id,
    rule_name: rule.name,
    group_by: rule.conditions.group_by ?? null,
    group,
    match_count: count,
    // When the earliest log counted was received: detection time is measured from here.
    first_match_at: new Date(firstMatchAt).toISOString(),
  };
  await emitEvent(
    env,
    {
      id: await derivedEventId(`rule:${rule.id}:${group}:${firing.firedAt}`),
      tenantId: rule.tenantId,
      source: "incidents",
      type: "rule.triggered",
      severity: rule.severity.toLowerCase() as Lowercase<IncidentSeverity>,
      system: rule.name.slice(0, 200),
      description: `Rule '${rule.name}' matched ${count} log(s)${group ? ` for ${group}` : ""}`,
      details,
    },
    log,
  );
  const opened = await incidentOf(db, rule, group, firing, incidentFor(rule, group, count, details));
  await announceIncident(env, opened.incident, opened.created ? "incident.created" : "incident.updated", log);
  await notifyRuleFired(ctx, rule, opened.incident, opened.created);
  await db
    .update(ruleFirings)
    .set({ completedAt: Date.now() })
    .where(thisFiring(rule, group, firing.firedAt));
}

async function evaluateRule(ctx: JobContext, rule: Rule, batch: { row: LogRow; record: Record<string, unknown> }[]) {
  const hits = hitsOf(rule, batch);
  if (!hits.length) return;
  const rows = hits.map((h) => ({ ruleId: rule.id, logId: h.logId, groupValue: h.group, at: h.at }));
  const [first, ...rest] = chunked(rows, MATCH_ROWS_PER_INSERT).map((part) =>
    ctx.db.insert(ruleMatches).values(part).onConflictDoNothing(),
  );
  await ctx.db.batch([first!, ...rest]);
  const windowMs = (rule.conditions.time_window ?? DEFAULT_WINDOW_S) * 1000;
  for (const group of new Set(hits.map((h) => h.group))) {
    const at = Math.max(...hits.filter((h) => h.group === group).map((h) => h.at));
    const [row] = await ctx.db.all<{ n: number; first: number | null }>(sql`
      SELECT count(*) AS n, min(at) AS first FROM rule_matches WHERE rule_id = ${rule.id} AND group_value = ${group} AND at > ${at - windowMs} AND at <= ${at}`);
    const count = row?.n ?? 0;
    if (!thresholdsHold(rule.conditions.thresholds ?? DEFAULT_THRESHOLDS, count)) continue;
    const firing = await claimFiring(ctx.db, rule, group, at, windowMs);
    if (firing) await fire(ctx, rule, group, count, row?.first ?? at, firing);
  }
}

registerJob(EVALUATE_LOGS_JOB, async (payload, message, ctx) => {
  const { fromId, toId } = payload as { fromId: number; toId: number };
  const tenantId = message.tenantId!;
  const enabled = await ctx.db
    .select()
    .from(rules)
    .where(and(eq(rules.tenantId, tenantId), eq(rules.enabled, true)));
  if (!enabled.length) return;
  const rows = await ctx.db
    .select({ id: logs.id, receivedAt: logs.receivedAt, payload: logs.payload })
    .from(logs)
    .where(and(eq(logs.tenantId, tenantId), between(logs.id, fromId, toId)));
  const batch = rows.map((row) => ({ row, record: JSON.parse(row.payload) as Record<string, unknown> }));
  for (const rule of enabled) await evaluateRule(ctx, rule, batch);
});
