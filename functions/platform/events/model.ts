import { z } from "@hono/zod-openapi";
import { EVENT_SOURCES, SEVERITIES, SYSTEM_TYPES, type securityEvents } from "../../../schema";

export type SecurityEvent = typeof securityEvents.$inferSelect;

/** What a family hands to emitEvent; `id` makes emission idempotent (a retry re-sends the same id). */
export const NewEventSchema = z.object({
  id: z
    .string()
    .regex(/^evt_[A-Za-z0-9_-]{8,64}$/)
    .optional(),
  tenantId: z.string(),
  occurredAt: z.number().int().optional(),
  source: z.enum(EVENT_SOURCES),
  type: z
    .string()
    .regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/, "must look like family.noun.verb")
    .max(100),
  severity: z.enum(SEVERITIES),
  country: z.string().max(100).nullable().optional(),
  countryCode: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .nullable()
    .optional(),
  system: z.string().max(200).nullable().optional(),
  systemType: z.enum(SYSTEM_TYPES).nullable().optional(),
  description: z.string().min(1).max(2000),
  details: z.record(z.string(), z.unknown()).default({}),
});
export type NewEvent = z.input<typeof NewEventSchema>;

/** The command console seed's ThreatEvent, exactly: the public projection of a security event. */
export const ThreatEventSchema = z
  .object({
    id: z.string(),
    timestamp: z.number().int().openapi({ description: "Unix milliseconds" }),
    country: z.string(),
    countryCode: z.string(),
    system: z.string(),
    systemType: z.enum(SYSTEM_TYPES),
    severity: z.enum(SEVERITIES),
    description: z.string(),
  })
  .openapi("ThreatEvent");
export type ThreatEvent = z.infer<typeof ThreatEventSchema>;

/** Fields an event may lack (an agent claim has no origin country) project as "Unknown"/"ZZ". */
/** The columns the public projection reads: history selects only these. */
export type ThreatEventRow = Pick<
  SecurityEvent,
  "id" | "occurredAt" | "country" | "countryCode" | "system" | "systemType" | "severity" | "description"
>;

export function toThreatEvent(e: ThreatEventRow): ThreatEvent {
  return {
    id: e.id,
    timestamp: e.occurredAt,
    country: e.country ?? "Unknown",
    countryCode: e.countryCode ?? "ZZ",
    system: e.system ?? "unassigned",
    systemType: e.systemType ?? "access",
    severity: e.severity,
    description: e.description,
  };
}

/** Types the pipeline emits about its own work: not threats, never correlated or acted on again. */
export const PIPELINE_OUTPUT_TYPES = ["command.correlation.created", "command.executed"];
