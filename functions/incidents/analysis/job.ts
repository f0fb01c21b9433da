import { and, eq, sql } from "drizzle-orm";
import { analyses, incidents, incidentTimeline } from "../../../schema";
import type { Database } from "../../platform/db";
import { emitEvent } from "../../platform/events/emit";
import { registerJob, type JobContext } from "../../platform/jobs";
import { describeError } from "../../platform/log";
import { nextVersion, type Incident } from "../store";
import { analyse, type AnalysisResults, type AnalysisType } from "./analyse";
import { gatherEvidence } from "./evidence";
import { gatherIntel } from "./intel-store";
import { summaryOf, type Urgency } from "./recommend";
import { ANALYSIS_AGENT, analysisView, RUN_ANALYSIS_JOB, type Analysis } from "./start";

/**
 * Attempts before an analysis is marked failed. Below the EVENTS queue's max_retries, so a failing
 * analysis ends as `failed` here rather than as a dead letter with its row left in progress.
 */
export const MAX_ANALYSIS_ATTEMPTS = 3;

/** The incident's `analysis`: the seed's summary (root cause, one line per recommendation, confidence) and a few pointers. */
function incidentSummary(a: Analysis, results: AnalysisResults, at: number) {
  return {
    analysis_id: a.id,
    root_cause: results.root_cause,
    recommendations: (results.recommendations ?? []).map(summaryOf),
    confidence: results.confidence,
    impact_assessment: results.impact_assessment,
    mitre: results.mitre_attack.map((m) => m.technique_id),
    analyzed_at: new Date(at).toISOString(),
  };
}

/**
 * Stores the results, the incident's summary and the "Analysis completed" entry in one batch.
 * Only the delivery that moves the row out of in_progress writes anything: each later statement
 * runs only when the one before it changed a row (`changes()`), so a redelivered or duplicate
 * job cannot complete an analysis twice. True when this call completed it.
 */
export async function completeAnalysis(db: Database, a: Analysis, results: AnalysisResults): Promise<boolean> {
  const now = Date.now();
  const details = `${results.root_cause} (confidence ${results.confidence}; ${results.recommendations?.length ?? 0} recommendation(s))`;
  const [updated] = await db.batch([
    db
      .update(analyses)
      .set({ status: "completed", results, completedAt: now })
      .where(and(eq(analyses.id, a.id), eq(analyses.status, "in_progress")))
      .returning({ id: analyses.id }),
    db
      .update(incidents)
      .set({ analysis: incidentSummary(a, results, now), updatedAt: nextVersion(now) })
      .where(and(eq(incidents.id, a.incidentId), sql`changes() > 0`)),
    db
      .insert(incidentTimeline)
      .select(
        sql`SELECT NULL, ${a.tenantId}, ${a.incidentId}, ${now}, 'Analysis completed', ${ANALYSIS_AGENT}, ${details.slice(0, 2000)} WHERE changes() > 0`,
      ),
  ]);
  return updated.length > 0;
}

/** A failed analysis keeps no results: the row says failed and why, and the timeline says so once. */
export async function failAnalysis(db: Database, a: Analysis, reason: string): Promise<boolean> {
  const now = Date.now();
  const [updated] = await db.batch([
    db
      .update(analyses)
      .set({ status: "failed", error: reason.slice(0, 500), results: null, completedAt: now })
      .where(and(eq(analyses.id, a.id), eq(analyses.status, "in_progress")))
      .returning({ id: analyses.id }),
    db
      .insert(incidentTimeline)
      .select(
        sql`SELECT NULL, ${a.tenantId}, ${a.incidentId}, ${now}, 'Analysis failed', ${ANALYSIS_AGENT}, ${`Analysis ${a.id} failed`} WHERE changes() > 0`,
      ),
  ]);
  return updated.length > 0;
}

/** Emitted with an id derived from the analysis, so a redelivered job re-sends the same event rather than a second one. */
async function announce(ctx: JobContext, a: Analysis, i: Incident) {
  const view = analysisView(a, i.number);
  const rootCause = typeof a.results?.root_cause === "string" ? a.results.root_cause : "analysis completed";
  await emitEvent(
    ctx.env,
    {
      id: `evt_${a.id}`,
      tenantId: a.tenantId,
      source: "incidents",
      type: "analysis.completed",
      severity: i.severity.toLowerCase() as Lowercase<Incident["severity"]>,
      system: i.number,
      description: `${i.number}: analysis completed: ${rootCause}`.slice(0, 2000),
      details: { analysis: view },
    },
    ctx.log,
  );
}

async function runAnalysis(ctx: JobContext, a: Analysis, i: Incident): Promise<boolean> {
  const evidence = await gatherEvidence(ctx.db, i);
  const facts = await gatherIntel(ctx.db, i, evidence.ips, evidence.domains);
  const results = analyse({
    incident: { number: i.number, type: i.type, severity: i.severity, affectedResources: i.affectedResources },
    evidence,
    facts,
    analysisType: a.analysisType as AnalysisType,
    includeRecommendations: a.includeRecommendations,
    urgency: a.urgency as Urgency,
  });
  return completeAnalysis(ctx.db, a, results);
}

const load = (db: Database, id: string) => db.select().from(analyses).where(eq(analyses.id, id)).get();

registerJob(RUN_ANALYSIS_JOB, async (payload, _message, ctx) => {
  const { analysisId } = payload as { analysisId: string };
  const a = await load(ctx.db, analysisId);
  // Gone with its incident, or already failed: nothing to do.
  if (!a || a.status === "failed") return;
  const i = await ctx.db.select().from(incidents).where(eq(incidents.id, a.incidentId)).get();
  if (!i) return;
  if (a.status === "in_progress") {
    try {
      if (!(await runAnalysis(ctx, a, i))) return;
    } catch (err) {
      if (ctx.attempt < MAX_ANALYSIS_ATTEMPTS) throw err;
      ctx.log.warn("analysis failed", { analysis_id: a.id, error: describeError(err) });
      await failAnalysis(ctx.db, a, err instanceof Error ? err.message : String(err));
      return;
    }
  }
  // Completed now or by an earlier delivery whose announcement may not have gone out.
  await announce(ctx, (await load(ctx.db, analysisId))!, i);
});
