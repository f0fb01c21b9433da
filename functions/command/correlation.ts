import type { SecurityEvent } from "../platform/events/model";

/**
 * Explainable temporal correlation: four factors, each a score in [0, 1] with the evidence
 * behind it, weighted into a 0–100 certainty. Nothing is learned or hidden: an analyst can
 * recompute every number from the events.
 */
export interface Factor {
  name: "temporal_proximity" | "shared_origin" | "shared_target" | "severity_escalation";
  weight: number;
  score: number;
  evidence: string;
}

export interface Correlation {
  threatVector: string;
  certainty: number;
  factors: Factor[];
  /** The most common values, for naming the vector and the recommended command. */
  origin: { country: string; share: number } | null;
  target: { systemType: string; system: string | null; share: number } | null;
  maxSeverity: SecurityEvent["severity"];
}

/** Events spread over this long still score half on proximity; the score halves again each span. */
export const PROXIMITY_HALF_LIFE_MS = 15 * 60_000;
const WEIGHTS = { temporal_proximity: 0.35, shared_origin: 0.25, shared_target: 0.25, severity_escalation: 0.15 } as const;
const RANK = { low: 0, medium: 1, high: 2, critical: 3 } as const;

function mostCommon(values: (string | null)[]): { value: string; count: number } | null {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: { value: string; count: number } | null = null;
  for (const [value, count] of counts) if (!best || count > best.count) best = { value, count };
  return best;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** O(n log n): one sort by time, then linear passes. */
export function correlate(events: readonly SecurityEvent[]): Correlation {
  const ordered = [...events].sort((a, b) => a.occurredAt - b.occurredAt);
  const n = ordered.length;
  const span = ordered[n - 1]!.occurredAt - ordered[0]!.occurredAt;
  const proximity = Math.pow(0.5, span / PROXIMITY_HALF_LIFE_MS);

  const known = ordered.map((e) => (e.countryCode && e.countryCode !== "ZZ" ? e.country : null));
  const origin = mostCommon(known);
  const originShare = origin ? origin.count / n : 0;

  const type = mostCommon(ordered.map((e) => e.systemType));
  const typeShare = type ? type.count / n : 0;
  const system = mostCommon(ordered.map((e) => e.system));

  let rising = 0;
  for (let i = 1; i < n; i++) if (RANK[ordered[i]!.severity] >= RANK[ordered[i - 1]!.severity]) rising++;
  const maxSeverity = ordered.reduce((m, e) => (RANK[e.severity] > RANK[m] ? e.severity : m), ordered[0]!.severity);
  const escalation = (rising / (n - 1)) * (RANK[ordered[n - 1]!.severity] > RANK[ordered[0]!.severity] ? 1 : 0.5);

  const factors: Factor[] = [
    {
      name: "temporal_proximity",
      weight: WEIGHTS.temporal_proximity,
      score: round2(proximity),
      evidence: `${n} events within ${Math.round(span / 1000)} s`,
    },
    {
      name: "shared_origin",
      weight: WEIGHTS.shared_origin,
      score: round2(originShare),
      evidence: origin ? `${origin.count} of ${n} from ${origin.value}` : "no known origin",
    },
    {
      name: "shared_target",
      weight: WEIGHTS.shared_target,
      score: round2(typeShare),
      evidence: type ? `${type.count} of ${n} against ${type.value} systems` : "no known target",
    },
    {
      name: "severity_escalation",
      weight: WEIGHTS.severity_escalation,
      score: round2(escalation),
      evidence: `${rising} of ${n - 1} steps held or raised severity; ${ordered[0]!.severity} → ${ordered[n - 1]!.severity}`,
    },
  ];
  const certainty = Math.round(100 * factors.reduce((sum, f) => sum + f.weight * f.score, 0));
  const originNamed = origin && originShare >= 0.5 ? origin.value : null;
  const targetNamed = type && typeShare >= 0.5 ? type.value : null;
  const threatVector =
    originNamed && targetNamed
      ? `coordinated ${targetNamed} intrusion from ${originNamed}`
      : targetNamed
        ? `multi-origin campaign against ${targetNamed} systems`
        : originNamed
          ? `broad activity from ${originNamed} across system types`
          : "uncoordinated activity";
  return {
    threatVector,
    certainty,
    factors,
    origin: origin ? { country: origin.value, share: originShare } : null,
    target: type ? { systemType: type.value, system: system?.value ?? null, share: typeShare } : null,
    maxSeverity,
  };
}
