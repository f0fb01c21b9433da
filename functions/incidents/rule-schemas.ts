import { z } from "@hono/zod-openapi";
import { INCIDENT_SEVERITIES, RULE_TYPES } from "../../schema";

const Threshold = z.object({
  metric: z.literal("event_count"),
  operator: z.enum([">", ">=", "<", "<=", "=", "==", "!="]),
  value: z.number().int().min(0).max(1_000_000),
});

export const ConditionsSchema = z
  .object({
    query: z.string().min(1).max(20_000).openapi({
      example: "SELECT * FROM logs WHERE jsonPayload.message LIKE '%Failed password%'",
      description: "The SQL-like query (at most 4,000 characters), or a Sigma rule's YAML for rules imported from Sigma",
    }),
    time_window: z.number().int().min(1).max(86_400).optional().openapi({ description: "Seconds; default 300" }),
    thresholds: z.array(Threshold).max(10).optional(),
    group_by: z.string().max(200).optional().openapi({ description: "A field path; thresholds count each value apart" }),
  })
  .openapi("RuleConditions");

export const ActionsSchema = z
  .object({ notify: z.array(z.string().min(1).max(200)).max(20).optional(), escalate: z.boolean().optional() })
  .openapi("RuleActions");

export const RuleInputSchema = z.object({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).nullable().optional(),
  type: z.enum(RULE_TYPES).default("detection"),
  severity: z.enum(INCIDENT_SEVERITIES),
  enabled: z.boolean().default(true),
  conditions: ConditionsSchema,
  actions: ActionsSchema.default({}),
});

export const RuleUpdateSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(2000).nullable().optional(),
    type: z.enum(RULE_TYPES).optional(),
    severity: z.enum(INCIDENT_SEVERITIES).optional(),
    enabled: z.boolean().optional(),
    conditions: ConditionsSchema.optional(),
    actions: ActionsSchema.optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), "Name at least one field to change");

export const RuleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    type: z.enum(RULE_TYPES),
    severity: z.enum(INCIDENT_SEVERITIES),
    enabled: z.boolean(),
    conditions: ConditionsSchema,
    actions: ActionsSchema,
    source: z.enum(["sql", "sigma"]),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Rule");

const bool = z.enum(["true", "false"]).transform((v) => v === "true");

export const RuleListQuery = z.object({
  enabled: bool.optional(),
  type: z.enum(RULE_TYPES).optional(),
  severity: z.enum(INCIDENT_SEVERITIES).optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  per_page: z.coerce.number().int().min(1).max(100).default(20),
});

export const ruleParam = z.object({
  rule_id: z
    .string()
    .regex(/^rul_[0-9a-f]{32}$/, "a rule id (rul_…)")
    .openapi({ param: { name: "rule_id", in: "path" } }),
});

export const TestRuleSchema = z.object({
  sample_data: z.object({ logs: z.array(z.record(z.string(), z.unknown())).max(1000) }).optional(),
});

export const TestResultSchema = z.object({
  rule_id: z.string(),
  results: z
    .array(
      z.object({
        index: z.number().int(),
        matched: z.boolean(),
        conditions: z.array(z.object({ condition: z.string(), matched: z.boolean() })),
      }),
    )
    .optional(),
  matched_count: z.number().int().optional(),
  thresholds: z.object({ time_window: z.number().int(), would_fire: z.boolean() }).optional(),
  backtest: z
    .object({
      since: z.string(),
      matched: z.number().int(),
      truncated: z.boolean(),
      firings: z.number().int(),
      max_in_window: z.number().int(),
      sample: z.array(z.object({ log_id: z.number().int(), received_at: z.string(), record: z.record(z.string(), z.unknown()) })),
    })
    .optional(),
});
