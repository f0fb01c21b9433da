import { and, eq, inArray, isNull, or, sql } from "drizzle-orm";
import {
  notificationPreferences,
  notificationProviders,
  notifications,
  users,
  type IncidentSeverity,
  type incidents,
} from "../../../schema";
import { chunked, type Database } from "../../platform/db";
import { newId } from "../../platform/ids";
import { jobMessage, MAX_QUEUE_DELAY_SECONDS, type JobContext } from "../../platform/jobs";
import { describeError } from "../../platform/log";
import type { Rule } from "../rules/store";
import { channelsOf, quietHoursOf, type PreferencesRow } from "./preferences";
import { quietSecondsLeft } from "./quiet-hours";
import { CHANNELS } from "./schemas";

export const DELIVER_NOTIFICATION_JOB = "notification.deliver";

/** A notifications row binds 11 values; D1 allows 100 a statement. */
const ROWS_PER_INSERT = 9;
/** Queues accept at most 100 messages per sendBatch. */
const MESSAGES_PER_SEND = 100;

export interface NotifyInput {
  tenantId: string;
  /** Usernames or notification lists (a user's `teams`), case-insensitive. */
  targets: string[];
  severity: IncidentSeverity;
  subject: string;
  body: string;
  /** Appended to the body, so the reader can find the incident. */
  incidentId?: string;
}

type NewRow = typeof notifications.$inferInsert;

/** The tenant's active users a target names, by username or by a list in their `teams`; never another tenant's. */
async function recipients(db: Database, tenantId: string, names: string[]): Promise<PreferencesRow[]> {
  const list = sql.join(
    names.map((n) => sql`${n}`),
    sql`, `,
  );
  const rows = await db
    .select({ prefs: notificationPreferences })
    .from(notificationPreferences)
    .innerJoin(users, eq(users.id, notificationPreferences.userId))
    .where(
      and(
        eq(notificationPreferences.tenantId, tenantId),
        eq(users.tenantId, tenantId),
        isNull(users.disabledAt),
        or(
          inArray(users.username, names),
          sql`EXISTS (SELECT 1 FROM json_each(${notificationPreferences.teams}) WHERE value IN (${list}))`,
        ),
      ),
    );
  return rows.map((r) => r.prefs);
}

async function configuredRelays(db: Database, tenantId: string): Promise<Set<string>> {
  const rows = await db
    .select({ channel: notificationProviders.channel })
    .from(notificationProviders)
    .where(eq(notificationProviders.tenantId, tenantId));
  return new Set(rows.map((r) => r.channel));
}

/** One row per user and enabled channel that takes this severity; quiet hours hold all but CRITICAL. */
function rowsFor(input: NotifyInput, people: PreferencesRow[], relays: Set<string>, now: number) {
  const body = input.incidentId ? `${input.body}\nIncident: ${input.incidentId}` : input.body;
  const out: { row: NewRow; delaySeconds: number | null }[] = [];
  for (const prefs of people) {
    const channels = channelsOf(prefs);
    const quiet = input.severity === "CRITICAL" ? 0 : quietSecondsLeft(quietHoursOf(prefs), now);
    for (const channel of CHANNELS) {
      const c = channels[channel];
      if (!c.enabled || !c.severities.includes(input.severity)) continue;
      const base = { id: newId("ntf"), tenantId: input.tenantId, userId: prefs.userId, channel, createdAt: now };
      const row = { ...base, subject: input.subject, body, severity: input.severity };
      if (channel !== "slack" && !relays.has(channel))
        out.push({
          row: { ...row, status: "skipped", reason: `no ${channel} provider is configured for this tenant` },
          delaySeconds: null,
        });
      else if (quiet > 0)
        out.push({
          row: { ...row, status: "held_quiet_hours", reason: `quiet hours end in ${Math.ceil(quiet / 60)} min` },
          delaySeconds: Math.min(quiet, MAX_QUEUE_DELAY_SECONDS),
        });
      else out.push({ row: { ...row, status: "queued" }, delaySeconds: 0 });
    }
  }
  return out;
}

/**
 * Resolves targets to users of the tenant and records one notification per user and channel,
 * then queues delivery on WEBHOOKS (outbound HTTP whose batches run concurrently). Held rows are
 * queued with a delay until their quiet hours end; skipped rows are recorded and not queued.
 */
export async function notifyTargets(env: Env, db: Database, input: NotifyInput) {
  const names = [...new Set(input.targets.map((t) => t.trim().toLowerCase()).filter(Boolean))];
  if (!names.length) return [];
  const people = await recipients(db, input.tenantId, names);
  if (!people.length) return [];
  const planned = rowsFor(input, people, await configuredRelays(db, input.tenantId), Date.now());
  if (!planned.length) return [];
  const [first, ...rest] = chunked(
    planned.map((p) => p.row),
    ROWS_PER_INSERT,
  ).map((part) => db.insert(notifications).values(part));
  await db.batch([first!, ...rest]);
  const messages = planned
    .filter((p) => p.delaySeconds !== null)
    .map((p) => ({
      body: jobMessage(DELIVER_NOTIFICATION_JOB, input.tenantId, { notificationId: p.row.id }),
      delaySeconds: p.delaySeconds!,
    }));
  for (const part of chunked(messages, MESSAGES_PER_SEND)) await env.WEBHOOKS.sendBatch(part);
  return planned.map((p) => ({ id: p.row.id!, user_id: p.row.userId!, channel: p.row.channel, status: p.row.status }));
}

type Incident = typeof incidents.$inferSelect;

/**
 * A firing rule's `actions.notify`. Failures are logged, not thrown: the incident is already open
 * and the firing claimed, so a retried evaluation job would not fire (or notify) again anyway.
 */
export async function notifyRuleFired(ctx: JobContext, rule: Rule, incident: Incident, created: boolean) {
  const targets = rule.actions.notify ?? [];
  if (!targets.length) return;
  try {
    await notifyTargets(ctx.env, ctx.db, {
      tenantId: rule.tenantId,
      targets,
      severity: incident.severity,
      subject: `[${incident.severity}] Rule '${rule.name}' fired`,
      body: `${created ? "Opened" : "Added an occurrence to"} incident ${incident.number}: ${incident.description ?? incident.type}`,
    });
  } catch (err) {
    ctx.log.warn("rule notifications failed", { rule_id: rule.id, incident_id: incident.id, error: describeError(err) });
  }
}
