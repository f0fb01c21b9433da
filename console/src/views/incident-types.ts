/**
 * The incident-response family's shapes as the console reads them (functions/incidents/*). Fields
 * the console only shows verbatim stay `unknown` and go through ResultBlock.
 */
export const STATUSES = ["OPEN", "INVESTIGATING", "REMEDIATING", "RESOLVED", "FALSE_POSITIVE"] as const;
export type IncidentStatus = (typeof STATUSES)[number];
export const SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW"] as const;
export const SORT_FIELDS = ["created_at", "severity", "updated_at"] as const;

/**
 * The moves the API allows (functions/incidents/lifecycle.ts), offered so the form never proposes
 * a refused one; the server still decides, and its 409 names the allowed moves if these drift.
 */
export const NEXT_STATUS: Record<IncidentStatus, readonly IncidentStatus[]> = {
  OPEN: ["INVESTIGATING", "FALSE_POSITIVE"],
  INVESTIGATING: ["REMEDIATING", "FALSE_POSITIVE"],
  REMEDIATING: ["RESOLVED", "FALSE_POSITIVE"],
  RESOLVED: ["FALSE_POSITIVE"],
  FALSE_POSITIVE: [],
};

export interface Incident {
  id: string;
  incident_id: string;
  type: string;
  severity: string;
  status: IncidentStatus;
  description: string | null;
  affected_resources: string[];
  assigned_to: string | null;
  dedup_key: string | null;
  occurrences: number;
  resolution_notes: string | null;
  created_at: string;
  updated_at: string;
  resolved_at: string | null;
  metadata: Record<string, unknown>;
}

export interface TimelineEntry {
  timestamp: string;
  event: string;
  agent: string;
  details: string;
}

export interface IncidentDetail extends Incident {
  timeline: TimelineEntry[];
  analysis: ({ analysis_id?: string } & Record<string, unknown>) | null;
}

export interface Pagination {
  page: number;
  per_page: number;
  total: number;
  pages: number;
  has_next: boolean;
  has_prev: boolean;
}

export interface IncidentPage {
  incidents: Incident[];
  pagination: Pagination;
}

export interface Recommendation {
  action: string;
  priority: string;
  reasoning: string;
  parameters: Record<string, unknown>;
}

export interface AnalysisResults {
  root_cause?: string;
  confidence?: number;
  impact_assessment?: string;
  recommendations?: Recommendation[];
  confidence_factors?: { factor: string; weight: number; detail: string }[];
  mitre_attack?: { tactic: string; technique_id: string; technique: string; evidence: unknown }[];
  threat_intelligence?: Record<string, unknown>;
  evidence?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Analysis {
  id: string;
  incident_id: string;
  incident_number: string;
  analysis_type: string;
  urgency: string;
  include_recommendations: boolean;
  status: "in_progress" | "completed" | "failed";
  results: AnalysisResults | null;
  error: string | null;
  requested_by: string;
  created_at: string | null;
  completed_at: string | null;
}

export interface AnalyzeAccepted {
  analysis_id: string;
  incident_id: string;
  status: "in_progress";
  estimated_completion: string;
}

export interface PlanStep {
  operation: string;
  target: string;
  detail: string;
}

export interface RemediationAction {
  id: string | null;
  incident_id: string | null;
  type: string;
  status: string;
  parameters: Record<string, unknown>;
  approval: {
    required: boolean;
    requested_at: string | null;
    requested_by: string;
    approvers: string[];
    expires_at: string | null;
    approved_by: string | null;
    approved_at: string | null;
    notes: string | null;
  };
  plan: PlanStep[];
  result: Record<string, unknown> | null;
  error: string | null;
  executed_at: string | null;
  expires_at: string | null;
  rollback: { available: boolean; rolled_back_at: string | null; rolled_back_by: string | null; reason: string | null };
  created_at: string | null;
  updated_at: string | null;
}

/** A catalog entry of GET /api/v1/remediation/actions; `parameters` is a JSON Schema. */
export interface CatalogAction {
  name: string;
  description: string;
  risk: string;
  reversible: boolean;
  effect: string;
  parameters: JsonSchema;
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  description?: string;
}

/** What a recommendation hands to the remediation form. */
export interface RemediationDraft {
  action: string;
  parameters: Record<string, unknown>;
  /** Changes on every hand-over, so choosing the same recommendation twice refills the form. */
  nonce: number;
}
