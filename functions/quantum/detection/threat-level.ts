import { and, count, eq, gte, inArray } from "drizzle-orm";
import { securityEvents, SEVERITIES, type Severity } from "../../../schema";
import type { Database } from "../../platform/db";
import { DEPRECATION_CUTOFF_MS } from "./assess";
import { inventorySummary, type InventorySummary } from "./inventory";

/**
 * The tenant's quantum threat level: a 0-100 score from its crypto inventory and its quantum
 * events of the last 24 hours, every point explained by a reason. Factors (each capped):
 * - share of inventory assets Shor breaks: up to 30;
 * - vulnerable assets guarding long-lived secrets (bare keys, certificates valid past 2030,
 *   key exchange): 4 each, up to 20;
 * - vulnerable key establishment open to harvest-now-decrypt-later: 5 each, up to 15;
 * - assets already weak classically: 5 each, up to 10;
 * - canary tokens touched (someone is inside, reading what they should not): 20, +2 per further
 *   trigger, up to 30;
 * - exposure alerts raised (quantum.attack.detected): critical 10, high 6, medium 3, low 1, up to 10.
 * Levels: low < 25 ≤ elevated < 50 ≤ high < 75 ≤ critical.
 */

export const THREAT_LEVELS = ["low", "elevated", "high", "critical"] as const;
export type ThreatLevel = (typeof THREAT_LEVELS)[number];

export const CANARY_TRIGGERED = "quantum.canary.triggered";
export const ATTACK_DETECTED = "quantum.attack.detected";
const WINDOW_MS = 24 * 3_600_000;

export interface RecentEvents {
  window_hours: number;
  canary_triggers: number;
  attack_detections: number;
  attack_detections_by_severity: Record<Severity, number>;
}

export interface Reason {
  factor: string;
  points: number;
  detail: string;
}

export interface ThreatAssessment {
  level: ThreatLevel;
  score: number;
  reasons: Reason[];
  inventory: InventorySummary;
  recent_events: RecentEvents;
  computed_at: string;
}

const SEVERITY_POINTS: Record<Severity, number> = { critical: 10, high: 6, medium: 3, low: 1 };

export async function recentQuantumEvents(db: Database, tenantId: string, since: number): Promise<RecentEvents> {
  const rows = await db
    .select({ type: securityEvents.type, severity: securityEvents.severity, n: count() })
    .from(securityEvents)
    .where(
      and(
        eq(securityEvents.tenantId, tenantId),
        gte(securityEvents.occurredAt, since),
        inArray(securityEvents.type, [CANARY_TRIGGERED, ATTACK_DETECTED]),
      ),
    )
    .groupBy(securityEvents.type, securityEvents.severity);
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  let canaries = 0;
  for (const { type, severity, n } of rows) {
    if (type === CANARY_TRIGGERED) canaries += n;
    else bySeverity[severity] += n;
  }
  const attacks = Object.values(bySeverity).reduce((a, b) => a + b, 0);
  return { window_hours: 24, canary_triggers: canaries, attack_detections: attacks, attack_detections_by_severity: bySeverity };
}

/** Pure: the score and its reasons from the two summaries. */
export function scoreThreat(
  inv: InventorySummary,
  recent: RecentEvents,
): { level: ThreatLevel; score: number; reasons: Reason[] } {
  const reasons: Reason[] = [];
  const add = (factor: string, points: number, detail: string) => {
    if (points > 0) reasons.push({ factor, points, detail });
  };
  if (inv.total)
    add(
      "vulnerable_share",
      Math.round((30 * inv.quantum_vulnerable) / inv.total),
      `${inv.quantum_vulnerable} of ${inv.total} inventoried assets rely on public-key cryptography Shor's algorithm breaks`,
    );
  add(
    "long_lived_secrets",
    Math.min(20, 4 * inv.long_lived_vulnerable),
    `${inv.long_lived_vulnerable} vulnerable assets guard long-lived secrets (${inv.certificates_past_2030} certificates valid past 2030)`,
  );
  add(
    "harvest_now_decrypt_later",
    Math.min(15, 5 * inv.harvest_now_decrypt_later),
    `${inv.harvest_now_decrypt_later} vulnerable key-establishment assets: recorded traffic is decryptable later`,
  );
  add(
    "weak_classical",
    Math.min(10, 5 * inv.weak_classical),
    `${inv.weak_classical} assets are already weak without a quantum computer`,
  );
  if (recent.canary_triggers)
    add(
      "canary_triggers",
      Math.min(30, 20 + 2 * (recent.canary_triggers - 1)),
      `${recent.canary_triggers} canary token triggers in the last 24 h: someone touched planted secrets`,
    );
  const alertPoints = SEVERITIES.reduce((sum, s) => sum + SEVERITY_POINTS[s] * recent.attack_detections_by_severity[s], 0);
  add("exposure_alerts", Math.min(10, alertPoints), `${recent.attack_detections} quantum exposure alerts in the last 24 h`);
  if (!inv.total && !reasons.length)
    reasons.push({
      factor: "no_inventory",
      points: 0,
      detail: "No crypto inventory yet: analyse material with POST /v3/quantum/detection/analyze",
    });
  const score = Math.min(
    100,
    reasons.reduce((sum, r) => sum + r.points, 0),
  );
  const level: ThreatLevel = score >= 75 ? "critical" : score >= 50 ? "high" : score >= 25 ? "elevated" : "low";
  return { level, score, reasons };
}

export async function threatLevel(db: Database, tenantId: string, now = Date.now()): Promise<ThreatAssessment> {
  const [inventory, recent] = await Promise.all([
    inventorySummary(db, tenantId, now, DEPRECATION_CUTOFF_MS),
    recentQuantumEvents(db, tenantId, now - WINDOW_MS),
  ]);
  return { ...scoreThreat(inventory, recent), inventory, recent_events: recent, computed_at: new Date(now).toISOString() };
}
