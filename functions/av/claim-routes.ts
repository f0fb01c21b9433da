import { createRoute, z } from "@hono/zod-openapi";
import type { ClaimRecord } from "../../durable-objects/claim-ledger";
import { authenticate, principalOf } from "../platform/auth/authenticate";
import { database } from "../platform/db";
import { ApiError } from "../platform/errors";
import { errorResponses, json } from "../platform/openapi";
import { rateLimit } from "../platform/rate-limit/middleware";
import { enforceBlocklist } from "../platform/blocklist";
import { AV_POLICIES } from "../platform/rate-limit/policies";
import { createRouter } from "../platform/router";
import { ingestClaim, machineOfKey } from "./claims";
import { findMachine, requireReader } from "./machines";
import { avTags, deviceIdSchema, readerGuard, readerSecurity, slugSchema } from "./route-kit";
import { BUILT_IN_CLAIM_TYPES, CUSTOM_CLAIM_TYPE, ZEQOND_HZ, zeqondOf } from "./scoring";

const tags = avTags;
const claimType = z
  .string()
  .max(100)
  .refine(
    (t) => (BUILT_IN_CLAIM_TYPES as readonly string[]).includes(t) || CUSTOM_CLAIM_TYPE.test(t),
    "a built-in claim type or org.namespace.type",
  );

const ClaimBody = z.object({
  claim_type: claimType,
  claim_payload: z.record(z.string(), z.unknown()),
  device_id: deviceIdSchema,
  captured_at_zeqond: z.number().int().min(0),
  hf_scores: z
    .array(z.object({ hf_id: z.string().regex(/^HF([1-9]|1[0-9]|20)$/, "HF1…HF20"), value: z.number().min(0).max(1) }))
    .max(20)
    .optional(),
});

const claimRoute = createRoute({
  method: "post",
  path: "/api/av/claim",
  operationId: "avClaim",
  summary:
    "An agent's claim: scored, gated, recorded in the machine's chain; a fired claim enters the pipeline. A storage failure answers 500 audit_write_failed with nothing written.",
  tags,
  security: [{ ZeqSmKey: [] }],
  middleware: [authenticate({ apiKeyHeaders: ["X-Zeq-SM-Key"] }), rateLimit(AV_POLICIES.claim), enforceBlocklist()],
  request: { body: { required: true, ...json(ClaimBody) } },
  responses: {
    201: {
      description: "Recorded (a retry of the same claim returns the original row)",
      ...json(
        z.object({
          ok: z.literal(true),
          audit_row_id: z.string(),
          zeqond: z.number().int(),
          s_forensic: z.number(),
          fired: z.boolean(),
          blockers: z.array(z.string()),
          notified: z.array(z.string()),
          fingerprint: z.string(),
        }),
      ),
    },
    ...errorResponses("av", 400, 401, 403, 404, 413, 415, 429),
  },
});

const WINDOW = /^(\d{1,6})(s|m|h|d)$/;
const UNIT_S = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
const MAX_WINDOW_S = 90 * 86_400;

function windowSeconds(window: string): number {
  const m = WINDOW.exec(window);
  const seconds = m ? Number(m[1]) * UNIT_S[m[2] as keyof typeof UNIT_S] : NaN;
  if (!(seconds > 0 && seconds <= MAX_WINDOW_S))
    throw new ApiError("invalid_request", "window must be <n>s|m|h|d, at most 90d", { field: "window" });
  return seconds;
}

/** The newest this many claims of the window; `truncated` says when the window held more. */
const MAX_THREATS = 1000;

const threatsRoute = createRoute({
  method: "get",
  path: "/api/av/threats",
  operationId: "avThreats",
  summary: "The machine's claims in a window, newest first (owner, or anyone for a public machine)",
  tags,
  security: readerSecurity,
  middleware: readerGuard(),
  request: { query: z.object({ slug: slugSchema, window: z.string().max(10).default("24h") }) },
  responses: {
    200: {
      description: "Threats",
      ...json(
        z.object({
          ok: z.literal(true),
          slug: z.string(),
          window: z.string(),
          count: z.number().int(),
          truncated: z
            .boolean()
            .openapi({ description: `true when the window held more than the ${MAX_THREATS} newest claims listed` }),
          threats: z.array(
            z.object({
              transition_id: z.string(),
              zeqond: z.string(),
              claim_type: z.string(),
              device_id: z.string(),
              fingerprint: z.string(),
              s_forensic: z.number(),
              fired: z.boolean(),
            }),
          ),
        }),
      ),
    },
    ...errorResponses("av", 400, 401, 403, 404, 429),
  },
});

/** The seed's threat row, from the machine object's claim row. */
export const threatView = (r: ClaimRecord) => ({
  transition_id: r.audit_row_id,
  zeqond: String(r.zeqond),
  claim_type: r.claim_type,
  device_id: r.device_id,
  fingerprint: r.fingerprint,
  s_forensic: r.s_forensic,
  fired: r.fired,
});

export function avClaimRoutes() {
  return createRouter()
    .openapi(claimRoute, async (c) => {
      const p = principalOf(c);
      const machine = await machineOfKey(database(c.env.DB), p);
      return c.json(await ingestClaim(c.env, machine, p, c.req.valid("json"), c.get("log")), 201);
    })
    .openapi(threatsRoute, async (c) => {
      const { slug, window } = c.req.valid("query");
      const seconds = windowSeconds(window);
      const machine = await findMachine(database(c.env.DB), slug);
      requireReader(machine, c.get("principal"));
      const since = zeqondOf(Date.now()) - Math.ceil(seconds * ZEQOND_HZ);
      const rows = await c.env.MACHINE_STATE.getByName(machine.slug).threats(since, MAX_THREATS + 1);
      const threats = rows.slice(0, MAX_THREATS).map(threatView);
      const truncated = rows.length > MAX_THREATS;
      return c.json({ ok: true as const, slug: machine.slug, window, count: threats.length, truncated, threats }, 200);
    });
}
