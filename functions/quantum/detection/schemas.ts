import { z } from "@hono/zod-openapi";
import { SEVERITIES } from "../../../schema";
import { PERIODS, type Period } from "../../incidents/system/metrics";
import { DETECTION_MODES, SENSITIVITIES } from "./analyze";
import { ATTACK_MODELS } from "./assess";
import { ASSET_KINDS } from "./material";
import { SHOR_IMPACTS, VERDICTS } from "./primitives";
import { THREAT_LEVELS } from "./threat-level";

/** Base64 of the 1 MiB the platform accepts as a body, and a little over. */
const MAX_DATA_CHARS = 1_400_000;

export const AnalyzeBody = z
  .object({
    data: z
      .string()
      .min(1)
      .max(MAX_DATA_CHARS)
      .openapi({
        description:
          "Base64 (or base64url) of the material: PEM or DER X.509 certificates and chains (PKCS#7 too), SPKI / PKCS#1 / " +
          "PKCS#8 keys (of private keys only the public half is read), a JWK or JWKS, a JWT or JWE (the header only), " +
          "OpenSSH public keys one per line, or a TLS list of IANA cipher-suite and group names. At most 100 assets.",
      }),
    detection_mode: z.enum(DETECTION_MODES).optional().openapi({
      description: "Echoed back; every mode analyses all of the material (default comprehensive)",
    }),
    "detection mode": z.enum(DETECTION_MODES).optional().openapi({ description: "The seed client's spelling of detection_mode" }),
    algorithms: z
      .array(z.enum(ATTACK_MODELS))
      .min(1)
      .max(10)
      .optional()
      .openapi({ description: "Attack models to report (default all); only `shor` exposure raises an alert" }),
    sensitivity: z.enum(SENSITIVITIES).optional().openapi({
      description: "The alert's severity: low → medium, medium → high (default), high → critical",
    }),
  })
  .openapi("QuantumAnalyzeRequest");

const Nist = z
  .object({ deprecated_after: z.string().nullable(), disallowed_after: z.string().nullable(), already_disallowed: z.boolean() })
  .nullable()
  .openapi({ description: "NIST IR 8547 transition dates for quantum-vulnerable public-key schemes; null otherwise" });

const Component = z.object({
  algorithm: z.string(),
  role: z.string(),
  key_bits: z.number().nullable(),
  curve: z.string().nullable(),
  classical_security_bits: z.number().nullable(),
  shor: z.enum(SHOR_IMPACTS),
  grover_security_bits: z.number().nullable(),
  annealing_relevant: z.boolean(),
  harvest_now_decrypt_later: z.boolean(),
  verdict: z.enum(VERDICTS),
  nist_ir_8547: Nist,
  replacement: z.string().nullable(),
  notes: z.array(z.string()),
});

export const Asset = z
  .object({
    fingerprint: z
      .string()
      .openapi({ description: "SHA-256 (hex) of the certificate DER, the key's SPKI or the canonical name" }),
    kind: z.enum(ASSET_KINDS),
    algorithm: z.string(),
    key_bits: z.number().nullable(),
    curve: z.string().nullable(),
    subject: z.string().nullable(),
    not_after: z.string().nullable(),
    classical_security_bits: z.number().nullable(),
    quantum: z.object({
      shor: z.enum(SHOR_IMPACTS).optional(),
      grover_security_bits: z.number().nullable().optional(),
      annealing_relevant: z.boolean().optional(),
      harvest_now_decrypt_later: z.boolean(),
    }),
    quantum_vulnerable: z.boolean(),
    verdict: z.enum(VERDICTS),
    long_lived_secret: z.string().nullable(),
    nist_ir_8547: Nist,
    replacement: z.string().nullable(),
    components: z.array(Component).openapi({ description: "A TLS suite's or JWE header's parts; empty for a single key" }),
    notes: z.array(z.string()),
    details: z.record(z.string(), z.unknown()),
    inventory: z.object({ first_seen: z.string(), times_seen: z.number().int() }),
  })
  .openapi("QuantumCryptoAsset");

const counts = (keys: readonly string[]) => z.object(Object.fromEntries(keys.map((k) => [k, z.number().int()])));

export const AnalyzeResponse = z
  .object({
    analysis_id: z.string(),
    detection_mode: z.enum(DETECTION_MODES),
    algorithms: z.array(z.enum(ATTACK_MODELS)),
    sensitivity: z.enum(SENSITIVITIES),
    input: z.object({ format: z.string(), bytes: z.number().int() }),
    assets: z.array(Asset),
    summary: counts(["total", ...VERDICTS, "shor_broken", "harvest_now_decrypt_later", "long_lived_vulnerable"]),
    quantum_attack_detected: z.boolean().openapi({
      description: "True when this analysis raised a quantum.attack.detected alert: exposure was found, not an attack observed",
    }),
    event_id: z.string().nullable(),
    alert_severity: z.enum(SEVERITIES).nullable(),
    threat_level: z.object({ level: z.enum(THREAT_LEVELS), score: z.number().int() }),
    warnings: z.array(z.string()),
    analyzed_at: z.string(),
  })
  .openapi("QuantumAnalyzeResponse");

const INVENTORY_KEYS = [
  "total",
  "quantum_vulnerable",
  "weak_classical",
  "quantum_weakened",
  "quantum_resistant",
  "long_lived_vulnerable",
  "harvest_now_decrypt_later",
  "certificates_past_2030",
];

export const ThreatLevelResponse = z
  .object({
    level: z.enum(THREAT_LEVELS),
    score: z.number().int().min(0).max(100),
    reasons: z.array(z.object({ factor: z.string(), points: z.number().int(), detail: z.string() })),
    inventory: counts(INVENTORY_KEYS),
    recent_events: z.object({
      window_hours: z.number().int(),
      canary_triggers: z.number().int(),
      attack_detections: z.number().int(),
      attack_detections_by_severity: counts(SEVERITIES),
    }),
    computed_at: z.string(),
  })
  .openapi("QuantumThreatLevel");

export const StreamQuery = z.object({
  severity: z.string().max(100).optional().openapi({ description: "Comma-separated severities to receive (default all)" }),
  type: z.string().max(500).optional().openapi({ description: "Comma-separated event types, each quantum.* or fragmentation.*" }),
});

const status = z.enum(["healthy", "degraded", "unhealthy"]);
export const HealthResponse = z
  .object({
    status,
    timestamp: z.string(),
    components: z.object({
      quantum_detection: z.object({ status, latency_ms: z.number(), active_canaries: z.number().int() }),
      byzantine_consensus: z.object({
        status,
        agents: z.number().int().openapi({ description: "Consensus agents online (ACTIVE, IDLE or BUSY) across all tenants" }),
        byzantine_tolerance: z.number().openapi({ description: "The share of a round's voters that may be faulty: f/n < 1/3" }),
      }),
      temporal_fragmentation: z.object({ status, active_fragments: z.number().int(), expiration_rate: z.number() }),
      api_gateway: z.object({ status, requests_per_second: z.number(), error_rate: z.number() }),
    }),
    uptime_seconds: z.number().int(),
    version: z.string(),
  })
  .openapi("QuantumHealth");

export const MetricsQuery = z.object({
  period: z
    .enum(Object.keys(PERIODS) as [Period, ...Period[]])
    .default("1h")
    .openapi({ description: "The window ending now" }),
});

export const MetricsResponse = z
  .object({
    period: z.enum(Object.keys(PERIODS) as [Period, ...Period[]]),
    requests_per_second: z.number(),
    requests_per_minute: z.number(),
    requests_total: z.number().int(),
    error_rate: z.number().openapi({ description: "Share answered 5xx" }),
    client_error_rate: z.number().openapi({ description: "Share answered 4xx" }),
    avg_latency_ms: z.number(),
    generated_at: z.string(),
  })
  .openapi("QuantumApiMetrics");
