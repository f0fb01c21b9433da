import { z } from "@hono/zod-openapi";
import { INCIDENT_SEVERITIES, INCIDENT_STATUSES } from "../../schema";
import { SORT_FIELDS } from "./list";

/** A query parameter that may repeat (`?status=OPEN&status=INVESTIGATING`) or list values with commas. */
const multi = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .preprocess(
      (v) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((s) => String(s).split(",")).filter(Boolean)),
      z.array(z.enum(values)).max(values.length * 2),
    )
    .optional()
    .openapi({ type: "array", items: { type: "string", enum: [...values] } });

const isoDate = z.string().max(40).optional().openapi({ description: "ISO 8601 date or date-time", example: "2026-06-01" });

export const ListQuerySchema = z.object({
  status: multi(INCIDENT_STATUSES),
  severity: multi(INCIDENT_SEVERITIES),
  type: z.string().max(100).optional(),
  start_date: isoDate,
  end_date: isoDate,
  created_after: isoDate,
  created_before: isoDate,
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  per_page: z.coerce.number().int().min(1).max(100).default(20),
  sort: z.enum(SORT_FIELDS).default("created_at"),
  order: z.enum(["asc", "desc"]).default("desc"),
});

export const IncidentSchema = z
  .object({
    id: z.string(),
    incident_id: z.string().openapi({ example: "INC-2026-001" }),
    type: z.string(),
    severity: z.enum(INCIDENT_SEVERITIES),
    status: z.enum(INCIDENT_STATUSES),
    description: z.string().nullable(),
    affected_resources: z.array(z.string()),
    assigned_to: z.string().nullable(),
    dedup_key: z.string().nullable(),
    occurrences: z.number().int(),
    resolution_notes: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    resolved_at: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
  })
  .openapi("Incident");

export const IncidentDetailSchema = IncidentSchema.extend({
  timeline: z.array(z.object({ timestamp: z.string(), event: z.string(), agent: z.string(), details: z.string() })),
  analysis: z.record(z.string(), z.unknown()).nullable(),
}).openapi("IncidentDetail");

export const PaginationSchema = z
  .object({
    page: z.number().int(),
    per_page: z.number().int(),
    total: z.number().int(),
    pages: z.number().int(),
    has_next: z.boolean(),
    has_prev: z.boolean(),
  })
  .openapi("Pagination");

export const CreateIncidentSchema = z.object({
  type: z
    .string()
    .regex(/^[a-z][a-z0-9_.-]{0,99}$/, "lowercase letters, digits, _ . -")
    .openapi({ example: "custom_alert" }),
  severity: z.enum(INCIDENT_SEVERITIES),
  description: z.string().max(5000).optional(),
  affected_resources: z.array(z.string().min(1).max(500)).max(100).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  dedup_key: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: "While an incident with this key is open, a create with it adds an occurrence instead" }),
});

export const UpdateIncidentSchema = z
  .object({
    status: z.enum(INCIDENT_STATUSES).optional(),
    severity: z.enum(INCIDENT_SEVERITIES).optional(),
    assigned_to: z.string().min(1).max(200).optional(),
    notes: z.string().min(1).max(5000).optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), "Name at least one of status, severity, assigned_to, notes");

export const AssignSchema = z.object({ assignee: z.string().min(1).max(200), notes: z.string().min(1).max(5000).optional() });

export const ResolveSchema = z.object({
  resolution_notes: z.string().min(1).max(5000).optional(),
  false_positive: z.boolean().default(false),
});

export const incidentParam = z.object({
  incident_id: z
    .string()
    .regex(/^(inc_[0-9a-f]{32}|INC-\d{4}-\d{3,})$/, "an incident id (inc_…) or number (INC-2026-001)")
    .openapi({ param: { name: "incident_id", in: "path" } }),
});
