import { z } from "@hono/zod-openapi";
import type { Family } from "./families";

/** RFC 9457 problem details: the error shape of the operator-facing routes (/admin, /healthz, /readyz). */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "urn:vigil:error:not_found" }),
    title: z.string(),
    status: z.number().int(),
    code: z.string(),
    request_id: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi("Problem");

const details = z.record(z.string(), z.unknown());

/** Each family's error body, exactly as envelopes.ts renders it. */
const ERROR_SCHEMAS = {
  platform: { mediaType: "application/problem+json", schema: ProblemSchema },
  command: { mediaType: "application/json", schema: z.object({ error: z.string() }).openapi("CommandError") },
  av: {
    mediaType: "application/json",
    schema: z
      .object({ ok: z.literal(false), error: z.string(), message: z.string(), details: details.optional() })
      .openapi("AgentClaimsError"),
  },
  quantum: {
    mediaType: "application/json",
    schema: z
      .object({
        error: z.object({ code: z.string(), message: z.string(), details }),
        request_id: z.string(),
        timestamp: z.string(),
      })
      .openapi("QuantumError"),
  },
  incidents: {
    mediaType: "application/json",
    schema: z
      .object({
        success: z.literal(false),
        error: z.object({ code: z.string(), message: z.string(), details, retry_after: z.number().optional() }),
        meta: z.object({ timestamp: z.string(), request_id: z.string() }),
      })
      .openapi("IncidentsError"),
  },
} as const satisfies Record<Family, { mediaType: string; schema: z.ZodType }>;

const DESCRIPTIONS = {
  400: "Invalid request",
  401: "Missing or invalid credentials",
  403: "Forbidden (including plain HTTP outside local development)",
  404: "Not found",
  409: "Conflict",
  410: "Gone (no longer available)",
  413: "Request body too large",
  415: "Unsupported Content-Type",
  429: "Rate limited",
  503: "Service unavailable",
} as const;

type Status = keyof typeof DESCRIPTIONS;
type ErrorEntry<F extends Family> = {
  description: string;
  content: { [K in (typeof ERROR_SCHEMAS)[F]["mediaType"]]: { schema: (typeof ERROR_SCHEMAS)[F]["schema"] } };
};

/** Response entries for a family's errors, keyed by status, for createRoute's `responses`. */
export function errorResponses<F extends Family, const S extends readonly Status[]>(family: F, ...statuses: S) {
  const { mediaType, schema } = ERROR_SCHEMAS[family];
  return Object.fromEntries(
    statuses.map((status) => [status, { description: DESCRIPTIONS[status], content: { [mediaType]: { schema } } }]),
  ) as { [K in S[number]]: ErrorEntry<F> };
}

/** The platform's problem+json errors (kept as a shorthand: most platform routes use it). */
export const problemResponses = <const S extends readonly Status[]>(...statuses: S) => errorResponses("platform", ...statuses);

export const json = <T extends z.ZodType>(schema: T) => ({ content: { "application/json": { schema } } });

/** Incident response successes: `{ success: true, data, meta }`. */
export const incidentsSuccessSchema = <T extends z.ZodType>(data: T) =>
  z.object({ success: z.literal(true), data, meta: z.object({ timestamp: z.string(), request_id: z.string() }) });
