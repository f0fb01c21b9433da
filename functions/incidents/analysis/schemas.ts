import { z } from "@hono/zod-openapi";
import { ANALYSIS_STATUSES, INDICATOR_KINDS } from "../../../schema";
import { ANALYSIS_TYPES } from "./analyse";
import { URGENCIES } from "./recommend";

export const AnalyzeRequestSchema = z.object({
  incident_id: z
    .string()
    .min(1)
    .max(100)
    .openapi({ description: "The incident's id (inc_…) or number (INC-2026-001)", example: "INC-2026-001" }),
  analysis_type: z.enum(ANALYSIS_TYPES).default("root_cause").openapi({
    description:
      "Every type yields the seed's result fields; threat_assessment adds threat_intelligence.ip_details, impact adds impact_details, full adds both",
  }),
  include_recommendations: z.boolean().default(true),
  urgency: z.enum(URGENCIES).default("medium").openapi({
    description: "high or critical raises containment recommendations one priority level; low lowers all but CRITICAL one level",
  }),
});

export const AnalyzeAcceptedSchema = z
  .object({
    analysis_id: z.string().openapi({ example: "ana_0123456789abcdef0123456789abcdef" }),
    incident_id: z.string(),
    status: z.literal("in_progress"),
    estimated_completion: z.string().openapi({ example: "2026-06-11T10:10:00Z" }),
  })
  .openapi("AnalysisAccepted");

const RESULTS_DESCRIPTION = [
  "Once completed: root_cause, confidence (0–1, from confidence_factors), impact_assessment,",
  "recommendations [{action, priority, reasoning, parameters}] (parameters fit POST /api/v1/remediation/execute),",
  "threat_intelligence {ip_reputation, known_campaigns, first_seen, related_incidents, blocklisted, indicators},",
  "mitre_attack [{tactic, technique_id, technique, evidence}], evidence {log_count, ip_addresses, user_accounts, …}.",
].join(" ");

export const AnalysisSchema = z
  .object({
    id: z.string(),
    incident_id: z.string(),
    incident_number: z.string(),
    analysis_type: z.string(),
    urgency: z.string(),
    include_recommendations: z.boolean(),
    status: z.enum(ANALYSIS_STATUSES),
    results: z.record(z.string(), z.unknown()).nullable().openapi({ description: RESULTS_DESCRIPTION }),
    error: z.string().nullable(),
    requested_by: z.string(),
    created_at: z.string().nullable(),
    completed_at: z.string().nullable(),
  })
  .openapi("Analysis");

export const analysisParam = z.object({
  analysis_id: z
    .string()
    .max(100)
    .openapi({ param: { name: "analysis_id", in: "path" }, example: "ana_0123456789abcdef0123456789abcdef" }),
});

export const IndicatorSchema = z
  .object({
    kind: z.enum(INDICATOR_KINDS),
    value: z.string(),
    reputation: z.enum(["malicious", "suspicious"]),
    campaigns: z.array(z.string()),
    source: z.string(),
    first_seen: z.string().nullable(),
    valid_until: z.string().nullable(),
    created_at: z.string().nullable(),
    updated_at: z.string().nullable(),
  })
  .openapi("ThreatIndicator");

export const IndicatorListQuery = z.object({
  kind: z.enum(INDICATOR_KINDS).optional(),
  value: z.string().min(1).max(300).optional().openapi({ description: "Exact value, compared in canonical form" }),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  per_page: z.coerce.number().int().min(1).max(100).default(20),
});

export const IndicatorKeyQuery = z.object({
  kind: z.enum(INDICATOR_KINDS),
  value: z.string().min(1).max(300),
});

export const ImportResultSchema = z
  .object({
    imported: z.number().int().openapi({ description: "Indicators new to the tenant" }),
    updated: z.number().int().openapi({ description: "Indicators already known, merged with this import" }),
  })
  .openapi("IndicatorImport");
