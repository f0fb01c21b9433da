import { z } from "@hono/zod-openapi";

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

const DESCRIPTIONS: Record<number, string> = {
  400: "Invalid request",
  401: "Missing or invalid credentials",
  403: "Forbidden (including plain HTTP outside local development)",
  404: "Not found",
  409: "Conflict",
  413: "Request body too large",
  415: "Unsupported Content-Type",
  503: "Service unavailable",
};

/** Response entries for the platform's problem+json errors, keyed by status. */
export function problemResponses<const S extends readonly (keyof typeof DESCRIPTIONS)[]>(...statuses: S) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: DESCRIPTIONS[status], content: { "application/problem+json": { schema: ProblemSchema } } },
    ]),
  ) as { [K in S[number]]: { description: string; content: { "application/problem+json": { schema: typeof ProblemSchema } } } };
}
