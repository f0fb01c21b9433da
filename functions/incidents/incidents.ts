import type { Principal } from "../platform/auth/principal";
import { requireScope } from "../platform/auth/principal";
import type { Database } from "../platform/db";
import { eq } from "drizzle-orm";
import { securityEvents } from "../../schema";
import { derivedEventId, emitEvent } from "../platform/events/emit";
import type { Logger } from "../platform/log";
import { isoTime } from "../platform/time";
import { isClosed } from "./lifecycle";
import { changeIncident, findIncident, openIncident, timelineOf, type Change, type Incident, type NewIncident } from "./store";

/** Who a timeline entry names: the user or key that acted, or Vigil itself (`system:…`). */
export const agentOf = (p: Pick<Principal, "id"> & { kind: Principal["kind"] | "system" }) =>
  p.kind === "api_key" ? `api-key:${p.id}` : p.kind === "system" ? `system:${p.id}` : `user:${p.id}`;

export function incidentView(i: Incident) {
  return {
    id: i.id,
    incident_id: i.number,
    type: i.type,
    severity: i.severity,
    status: i.status,
    description: i.description,
    affected_resources: i.affectedResources,
    assigned_to: i.assignedTo,
    dedup_key: i.dedupKey,
    occurrences: i.occurrences,
    resolution_notes: i.resolutionNotes,
    created_at: isoTime(i.createdAt),
    updated_at: isoTime(i.updatedAt),
    resolved_at: isoTime(i.resolvedAt),
    metadata: i.metadata,
  };
}

export async function incidentDetail(db: Database, i: Incident) {
  const timeline = await timelineOf(db, i.id);
  return {
    ...incidentView(i),
    timeline: timeline.map((t) => ({ timestamp: isoTime(t.at), event: t.event, agent: t.agent, details: t.details })),
    analysis: i.analysis ?? null,
  };
}

type IncidentEventType = "incident.created" | "incident.updated" | "incident.resolved";

/** One event per incident version (`updatedAt`): announcing the same version again stores nothing. */
const versionEventId = (i: Incident) => derivedEventId(`incident:${i.id}:${i.updatedAt}`);

export async function announceIncident(env: Env, i: Incident, type: IncidentEventType, log: Logger) {
  await emitEvent(
    env,
    {
      id: await versionEventId(i),
      tenantId: i.tenantId,
      source: "incidents",
      type,
      severity: i.severity.toLowerCase() as "critical" | "high" | "medium" | "low",
      system: i.number,
      description: `${i.number} ${i.type}: ${type.slice("incident.".length)} (${i.status})`,
      details: { incident: incidentView(i) },
    },
    log,
  );
}

async function announced(db: Database, i: Incident): Promise<boolean> {
  const id = await versionEventId(i);
  return (await db.select({ id: securityEvents.id }).from(securityEvents).where(eq(securityEvents.id, id)).get()) !== undefined;
}

export interface Deps {
  env: Env;
  db: Database;
  log: Logger;
}

export async function createIncident({ env, db, log }: Deps, p: Principal, input: NewIncident) {
  requireScope(p, "write");
  const opened = await openIncident(db, p.tenantId, input, agentOf(p));
  await announceIncident(env, opened.incident, opened.created ? "incident.created" : "incident.updated", log);
  return opened;
}

/** Any change through PUT, assign or resolve; emits updated, or resolved when it closes the incident. */
export async function updateIncident({ env, db, log }: Deps, p: Principal, id: string, change: Change) {
  requireScope(p, "write");
  const before = await findIncident(db, p.tenantId, id);
  const after = await changeIncident(db, before, change, agentOf(p));
  if (after !== before) {
    const closing = isClosed(after.status) && !isClosed(before.status);
    await announceIncident(env, after, closing ? "incident.resolved" : "incident.updated", log);
  } else if (!(await announced(db, after))) {
    // A retry with nothing left to change: the change committed but its event was never written.
    const closing = isClosed(after.status) && change.status === after.status;
    await announceIncident(env, after, closing ? "incident.resolved" : "incident.updated", log);
  }
  return after;
}
