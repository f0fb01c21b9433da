import { and, eq } from "drizzle-orm";
import { incidentTimeline } from "../../../schema";
import { derivedEventId, emitEvent } from "../../platform/events/emit";
import { jobMessage, registerJob } from "../../platform/jobs";
import { describeError } from "../../platform/log";
import type { Deps } from "../incidents";
import { CATALOG } from "./catalog";
import { findRemediation, noteOnIncident, remediationView, type Remediation } from "./store";

export const RECORD_REMEDIATION_JOB = "remediation.record";

type Operation = "execute" | "rollback";
/** What took effect, as the incident's timeline and the event describe it. */
export interface Effected {
  operation: Operation;
  agent: string;
  note: string;
}

const NOTE_EVENT: Record<Operation, string> = { execute: "Remediation executed", rollback: "Remediation rolled back" };
const RISK_SEVERITY = { low: "low", medium: "medium", high: "high", critical: "critical" } as const;

export const viewOf = (r: Remediation) => remediationView(r, CATALOG[r.action].reversible);

async function noted(deps: Deps, r: Remediation, operation: Operation, note: string): Promise<boolean> {
  if (!r.incidentId) return false;
  const row = await deps.db
    .select({ id: incidentTimeline.id })
    .from(incidentTimeline)
    .where(
      and(
        eq(incidentTimeline.incidentId, r.incidentId),
        eq(incidentTimeline.event, NOTE_EVENT[operation]),
        eq(incidentTimeline.details, note),
      ),
    )
    .get();
  return row !== undefined;
}

/**
 * The incident's note and the pipeline's event for an action that took effect, each written once
 * however often this runs: a retry looks for the note first; the event's id is derived.
 */
async function record(deps: Deps, r: Remediation, { operation, agent, note }: Effected, retry: boolean) {
  if (!(retry && (await noted(deps, r, operation, note)))) await noteOnIncident(deps.db, r, NOTE_EVENT[operation], agent, note);
  await emitEvent(
    deps.env,
    {
      id: await derivedEventId(`remediation:${r.id}:${operation}`),
      tenantId: r.tenantId,
      source: "incidents",
      type: "remediation.executed",
      severity: RISK_SEVERITY[CATALOG[r.action].risk],
      system: r.action,
      description: `${r.action} ${operation === "execute" ? "executed" : "rolled back"} (${r.id})`,
      details: { operation, actor: agent, action: viewOf(r) },
    },
    deps.log,
  );
}

/**
 * Records an action whose effect is in force and whose row already says so. A failure here is not
 * the action's failure: the caller is told what happened, and the queue retries the note and event
 * (an unreachable queue as well is the one case left to the generic 500).
 */
export async function recordEffect(deps: Deps, r: Remediation, effected: Effected): Promise<void> {
  try {
    await record(deps, r, effected, false);
  } catch (err) {
    deps.log.error("remediation bookkeeping failed; retrying from the queue", {
      action_id: r.id,
      operation: effected.operation,
      error: describeError(err),
    });
    await deps.env.EVENTS.send(jobMessage(RECORD_REMEDIATION_JOB, r.tenantId, { actionId: r.id, ...effected }));
  }
}

registerJob(RECORD_REMEDIATION_JOB, async (payload, message, ctx) => {
  const { actionId, ...effected } = payload as { actionId: string } & Effected;
  const row = await findRemediation(ctx.db, message.tenantId!, actionId).catch(() => null);
  if (row) await record(ctx, row, effected, true);
});
