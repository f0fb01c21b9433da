import { securityEvents } from "../../../schema";
import { database } from "../db";
import { sha256Hex } from "../crypto";
import { randomHex } from "../ids";
import { jobMessage } from "../jobs";
import type { Logger } from "../log";
import { NewEventSchema, type NewEvent, type SecurityEvent } from "./model";

export const EVENT_CREATED_JOB = "event.created";

export interface EmitResult {
  event: SecurityEvent;
  /** False when this id was already stored: nothing was fanned out again. */
  created: boolean;
}

/**
 * The one way anything enters the pipeline: store in D1 (idempotent by id), enqueue for
 * rules, correlation and webhooks, then push to the tenant's live hub. The row is written
 * first, so nothing is lost: live clients resume from history, and a caller that retries
 * after a failed enqueue re-sends the same id, which stores nothing twice but enqueues again.
 * Delivery on the queue is therefore at least once; every consumer is idempotent by event id.
 */
/** Live fan-out; the tenant hub passes its own `publish` so it never calls itself through a stub. */
export type Publish = (event: SecurityEvent) => Promise<unknown> | unknown;

export async function emitEvent(env: Env, input: NewEvent, log: Logger, publish?: Publish): Promise<EmitResult> {
  const parsed = NewEventSchema.parse(input);
  const db = database(env.DB);
  const row = {
    ...parsed,
    id: parsed.id ?? `evt_${randomHex(16)}`,
    occurredAt: parsed.occurredAt ?? Date.now(),
  };
  const [inserted] = await db.insert(securityEvents).values(row).onConflictDoNothing({ target: securityEvents.id }).returning();
  if (!inserted) {
    const existing = await db.query.securityEvents.findFirst({ where: (e, { eq }) => eq(e.id, row.id) });
    if (!existing || existing.tenantId !== row.tenantId) throw new Error(`event id ${row.id} belongs to another tenant`);
    await env.EVENTS.send(jobMessage(EVENT_CREATED_JOB, existing.tenantId, { eventId: existing.id }));
    return { event: existing, created: false };
  }
  await env.EVENTS.send(jobMessage(EVENT_CREATED_JOB, inserted.tenantId, { eventId: inserted.id }));
  try {
    await (publish ? publish(inserted) : env.TENANT_HUB.getByName(inserted.tenantId).publish(inserted));
  } catch (err) {
    log.warn("live fan-out failed; subscribers will catch up from history", { event_id: inserted.id, error: String(err) });
  }
  return { event: inserted, created: true };
}

/**
 * An event id derived from what the event announces (`incident:<id>:<version>`), so whoever
 * announces the same fact again (a client's retry, a redelivered job) stores and fans out nothing twice.
 */
export async function derivedEventId(fact: string): Promise<string> {
  return `evt_${(await sha256Hex(fact)).slice(0, 32)}`;
}
