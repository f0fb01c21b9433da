import { z } from "@hono/zod-openapi";
import { CANARY_CHANNELS, CANARY_ZONES } from "../../../schema";

/** Metadata is stored on the token row; this keeps one token's row small. */
const METADATA_MAX_BYTES = 8192;

/** The seed's bounds and defaults (MWRASP quantum canary API §2.1). */
export const DeploySchema = z.object({
  num_qubits: z.number().int().min(4).max(32).default(8),
  deployment_zone: z.enum(CANARY_ZONES),
  lifetime_seconds: z.number().int().min(60).max(86_400).default(3600),
  entanglement_pairs: z.number().int().min(2).max(16).default(4),
  metadata: z
    .record(z.string(), z.unknown())
    .refine((m) => JSON.stringify(m).length <= METADATA_MAX_BYTES, `at most ${METADATA_MAX_BYTES} bytes of JSON`)
    .default({}),
});
export type DeployInput = z.infer<typeof DeploySchema>;

export const LIST_STATUSES = ["active", "collapsed", "expired"] as const;
export type ListStatus = (typeof LIST_STATUSES)[number];

export const ListQuerySchema = z.object({
  zone: z.enum(CANARY_ZONES).optional(),
  status: z
    .enum(LIST_STATUSES)
    .optional()
    .openapi({ description: "active: neither collapsed nor expired; expired wins over collapsed" }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const TokenParams = z.object({ token_id: z.uuid() });

const SimulationLabel = z
  .object({
    simulated: z.literal(true),
    method: z.string(),
    quantum_state_encoding: z.string(),
  })
  .openapi({ description: "quantum_state and every check are a classical simulation, not quantum hardware" });

const CheckSchema = z
  .object({
    at: z.string(),
    eavesdropper: z.boolean(),
    sifted_bits: z.number().int(),
    errors: z.number().int(),
    qber: z.number().nullable().openapi({ description: "Quantum bit error rate over sifted bits (0 undisturbed)" }),
    chsh_s: z.number().openapi({ description: "CHSH value S (≈ 2√2 undisturbed, ≤ 2 once measured)" }),
    chsh_trials: z.number().int(),
    disturbed: z.boolean(),
  })
  .openapi("CanaryCheck");

/** The seed's 201 fields, then the tripwire's own: where to plant it and what it has seen. */
export const DeployedSchema = z
  .object({
    token_id: z.string(),
    deployment_location: z.string(),
    quantum_state: z.string().openapi({ description: "base64; see simulation.quantum_state_encoding" }),
    creation_time: z.string(),
    expiration_time: z.string(),
    monitoring_url: z.string().openapi({ description: "Unauthenticated tripwire URL: any request to it alerts" }),
    decoy_credential: z.string().openapi({ description: "API-key-shaped decoy: presenting it anywhere alerts" }),
    status: z.enum(LIST_STATUSES),
    num_qubits: z.number().int(),
    entanglement_pairs: z.number().int(),
    metadata: z.record(z.string(), z.unknown()),
    simulation: SimulationLabel,
  })
  .openapi("CanaryToken");

export const TokenSchema = DeployedSchema.extend({
  monitoring_url: DeployedSchema.shape.monitoring_url
    .optional()
    .openapi({ description: "Only for callers who may deploy tokens (quantum:write or the write scope)" }),
  decoy_credential: DeployedSchema.shape.decoy_credential
    .optional()
    .openapi({ description: "Only for callers who may deploy tokens (quantum:write or the write scope)" }),
  hits: z.number().int(),
  suppressed_hits: z.number().int().openapi({ description: "Hits since the last alert that raised none (throttled)" }),
  last_hit_time: z.string().nullable(),
  last_alert_time: z.string().nullable(),
}).openapi("CanaryTokenSummary");

const HitSchema = z.object({
  at: z.string(),
  channel: z.enum(CANARY_CHANNELS),
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  country: z.string().nullable(),
  detail: z.string().nullable(),
  alerted: z.boolean(),
});

export const StatusSchema = TokenSchema.extend({
  last_check: CheckSchema,
  recent_hits: z.array(HitSchema),
}).openapi("CanaryTokenStatus");

export const TestResultSchema = z
  .object({
    token_id: z.string(),
    test: z.literal("intercept_resend"),
    collapsed: z.boolean(),
    status: z.enum(LIST_STATUSES),
    check: CheckSchema,
    event_id: z.string().nullable().openapi({ description: "The test-flagged quantum.canary.triggered event" }),
    simulation: SimulationLabel,
  })
  .openapi("CanaryTestResult");
