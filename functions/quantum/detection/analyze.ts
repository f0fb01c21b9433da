import type { Severity } from "../../../schema";
import { sha256Hex } from "../../platform/crypto";
import type { Database } from "../../platform/db";
import { ApiError } from "../../platform/errors";
import { derivedEventId, emitEvent } from "../../platform/events/emit";
import type { Logger } from "../../platform/log";
import { assessMaterial, selectModels, type AssetAssessment, type AttackModel } from "./assess";
import { upsertAssets } from "./inventory";
import { decodeData, parseMaterial } from "./parse";
import { VERDICTS, type Verdict } from "./primitives";
import { ATTACK_DETECTED, threatLevel } from "./threat-level";

export const DETECTION_MODES = ["quick", "standard", "comprehensive"] as const;
export type DetectionMode = (typeof DETECTION_MODES)[number];
export const SENSITIVITIES = ["low", "medium", "high"] as const;
export type Sensitivity = (typeof SENSITIVITIES)[number];

/** How loud an exposure alert is: the caller's sensitivity raises it one step above its name. */
export const SEVERITY_FOR: Record<Sensitivity, Severity> = { low: "medium", medium: "high", high: "critical" };

/** Alerts name at most this many of the exposed assets; the count covers them all. */
const ALERT_ASSETS = 20;

export interface AnalyzeRequest {
  data: string;
  detection_mode: DetectionMode;
  algorithms: AttackModel[];
  sensitivity: Sensitivity;
}

export interface AnalyzeDeps {
  env: Env;
  db: Database;
  log: Logger;
  tenantId: string;
  requestId: string;
}

function summarise(assets: AssetAssessment[]) {
  const byVerdict = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const a of assets) byVerdict[a.verdict]++;
  return {
    total: assets.length,
    ...byVerdict,
    shor_broken: assets.filter((a) => a.quantum_vulnerable).length,
    harvest_now_decrypt_later: assets.filter((a) => a.quantum.harvest_now_decrypt_later).length,
    long_lived_vulnerable: assets.filter((a) => a.long_lived_secret).length,
  };
}

/**
 * One alert per analysis, summarising every exposed asset. Its id hashes the tenant, the request
 * id and the exposed fingerprints, so a retried request re-sends the same event (stored once)
 * while a different analysis under a reused request id still alerts.
 */
async function raiseExposure(deps: AnalyzeDeps, req: AnalyzeRequest, analysisId: string, exposed: AssetAssessment[]) {
  const key = [deps.tenantId, deps.requestId, ...exposed.map((a) => a.fingerprint).sort()].join("\n");
  const names = exposed.slice(0, 5).map((a) => `${a.algorithm}${a.key_bits ? `-${a.key_bits}` : a.curve ? ` ${a.curve}` : ""}`);
  const { event } = await emitEvent(
    deps.env,
    {
      id: await derivedEventId(key),
      tenantId: deps.tenantId,
      source: "quantum",
      type: ATTACK_DETECTED,
      severity: SEVERITY_FOR[req.sensitivity],
      system: "crypto-inventory",
      description:
        `Quantum exposure: ${exposed.length} quantum-vulnerable asset(s) guard long-lived secrets ` +
        `(${names.join(", ")}${exposed.length > names.length ? ", …" : ""})`,
      details: {
        analysis_id: analysisId,
        sensitivity: req.sensitivity,
        detection_mode: req.detection_mode,
        exposed_total: exposed.length,
        assets: exposed.slice(0, ALERT_ASSETS).map((a) => ({
          fingerprint: a.fingerprint,
          kind: a.kind,
          algorithm: a.algorithm,
          key_bits: a.key_bits,
          curve: a.curve,
          subject: a.subject,
          not_after: a.not_after,
          reason: a.long_lived_secret,
          replacement: a.replacement,
        })),
      },
    },
    deps.log,
  );
  return event.id;
}

/**
 * Analyses the cryptographic exposure of real material: parse, assess each asset, alert once when
 * Shor-breakable assets guard long-lived secrets (only when `shor` is among the attack models
 * asked about), record the inventory, then report the tenant's threat level after it. The alert is
 * raised before the inventory write so a retry after a failure repeats it idempotently.
 */
export async function analyzeExposure(deps: AnalyzeDeps, req: AnalyzeRequest) {
  const bytes = decodeData(req.data);
  if (!bytes?.length) throw new ApiError("invalid_request", "'data' must be non-empty base64", { field: "data" });
  const parsed = await parseMaterial(bytes);
  const now = Date.now();
  const assets = await Promise.all(parsed.materials.map((m) => assessMaterial(m, now)));
  const analysisId = `qan_${(await sha256Hex(`${deps.tenantId}\n${deps.requestId}`)).slice(0, 24)}`;
  const exposed = req.algorithms.includes("shor") ? assets.filter((a) => a.quantum_vulnerable && a.long_lived_secret) : [];
  const eventId = exposed.length ? await raiseExposure(deps, req, analysisId, exposed) : null;
  const seen = new Map((await upsertAssets(deps.db, deps.tenantId, assets, now)).map((s) => [s.fingerprint, s]));
  const threat = await threatLevel(deps.db, deps.tenantId, now);
  return {
    analysis_id: analysisId,
    detection_mode: req.detection_mode,
    algorithms: req.algorithms,
    sensitivity: req.sensitivity,
    input: { format: parsed.format, bytes: bytes.length },
    assets: assets.map((a) => {
      const s = seen.get(a.fingerprint);
      return {
        ...selectModels(a, req.algorithms),
        inventory: { first_seen: new Date(s?.firstSeen ?? now).toISOString(), times_seen: s?.timesSeen ?? 1 },
      };
    }),
    summary: summarise(assets),
    quantum_attack_detected: eventId !== null,
    event_id: eventId,
    alert_severity: eventId ? SEVERITY_FOR[req.sensitivity] : null,
    threat_level: { level: threat.level, score: threat.score },
    warnings: parsed.warnings,
    analyzed_at: new Date(now).toISOString(),
  };
}
