import { and, eq } from "drizzle-orm";
import { analyses, incidents, incidentTimeline } from "../../../schema";
import type { Principal } from "../../platform/auth/principal";
import { requireScope } from "../../platform/auth/principal";
import type { Database } from "../../platform/db";
import { notFound } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { jobMessage } from "../../platform/jobs";
import { isoTime } from "../../platform/time";
import { agentOf } from "../incidents";
import { findIncident } from "../store";
import type { AnalysisType } from "./analyse";
import type { Urgency } from "./recommend";

export const RUN_ANALYSIS_JOB = "analysis.run";
/** The timeline's name for the analyser, on every entry it writes. */
export const ANALYSIS_AGENT = "analysis-agent";

/**
 * What estimated_completion promises: the analyser itself takes milliseconds, so this is mostly
 * queue latency (and its retries), longer for the analyses that read more.
 */
const ESTIMATE_S: Record<AnalysisType, number> = { root_cause: 30, impact: 30, threat_assessment: 45, full: 60 };

export type Analysis = typeof analyses.$inferSelect;

export interface AnalyzeRequest {
  incident_id: string;
  analysis_type: AnalysisType;
  include_recommendations: boolean;
  urgency: Urgency;
}

/**
 * Records the analysis and its "Analysis started" entry together, then queues the job. A queue
 * that refuses the job leaves no analysis waiting forever: the row is marked failed.
 */
export async function startAnalysis(env: Env, db: Database, p: Principal, req: AnalyzeRequest) {
  requireScope(p, "write");
  const incident = await findIncident(db, p.tenantId, req.incident_id);
  const id = newId("ana");
  const now = Date.now();
  const requestedBy = agentOf(p);
  await db.batch([
    db.insert(analyses).values({
      id,
      tenantId: p.tenantId,
      incidentId: incident.id,
      analysisType: req.analysis_type,
      urgency: req.urgency,
      includeRecommendations: req.include_recommendations,
      status: "in_progress",
      requestedBy,
      createdAt: now,
    }),
    db.insert(incidentTimeline).values({
      tenantId: p.tenantId,
      incidentId: incident.id,
      at: now,
      event: "Analysis started",
      agent: ANALYSIS_AGENT,
      details: `${req.analysis_type} analysis ${id} requested by ${requestedBy} (urgency ${req.urgency})`,
    }),
  ]);
  try {
    await env.EVENTS.send(jobMessage(RUN_ANALYSIS_JOB, p.tenantId, { analysisId: id }));
  } catch (err) {
    await db
      .update(analyses)
      .set({ status: "failed", error: "the analysis could not be queued", completedAt: Date.now() })
      .where(eq(analyses.id, id));
    throw err;
  }
  return {
    analysis_id: id,
    incident_id: incident.id,
    status: "in_progress" as const,
    estimated_completion: new Date(now + ESTIMATE_S[req.analysis_type] * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
  };
}

export function analysisView(a: Analysis, incidentNumber: string) {
  return {
    id: a.id,
    incident_id: a.incidentId,
    incident_number: incidentNumber,
    analysis_type: a.analysisType,
    urgency: a.urgency,
    include_recommendations: a.includeRecommendations,
    status: a.status,
    results: a.results ?? null,
    error: a.error,
    requested_by: a.requestedBy,
    created_at: isoTime(a.createdAt),
    completed_at: isoTime(a.completedAt),
  };
}

export type AnalysisView = ReturnType<typeof analysisView>;

/** One of the tenant's analyses; another tenant's is 404 like an unknown one. */
export async function findAnalysis(db: Database, tenantId: string, id: string) {
  const row = await db
    .select({ analysis: analyses, number: incidents.number })
    .from(analyses)
    .innerJoin(incidents, eq(incidents.id, analyses.incidentId))
    .where(and(eq(analyses.tenantId, tenantId), eq(analyses.id, id)))
    .get();
  if (!row) throw notFound(`Analysis '${id}'`, { analysis_id: id });
  return analysisView(row.analysis, row.number);
}
