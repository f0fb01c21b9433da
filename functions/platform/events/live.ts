import { toThreatEvent, type SecurityEvent } from "./model";

/** What a live subscriber asked for; kept with its socket so it survives hibernation. */
export interface Subscription {
  severities: string[];
  systemTypes: string[];
  types: string[];
  /** The ConnectionSlots object and lease this subscriber holds against its tier's cap. */
  slotsName: string;
  slotId: string;
}

/**
 * The message every subscriber receives: the seed's ThreatEvent plus the pipeline's type, source
 * and severity (the quantum seed's stream client reads `type` and `severity` at the top level).
 */
export const liveMessage = (e: SecurityEvent) =>
  JSON.stringify({ kind: "event", type: e.type, severity: e.severity, source: e.source, event: toThreatEvent(e) });

export const matchesSubscription = (s: Subscription, e: SecurityEvent) =>
  (!s.severities.length || s.severities.includes(e.severity)) &&
  (!s.systemTypes.length || (e.systemType !== null && s.systemTypes.includes(e.systemType))) &&
  (!s.types.length || s.types.includes(e.type));
