import { and, eq } from "drizzle-orm";
import { securityEvents } from "../../../schema";
import { openHubSocket } from "../../command/event-stream";
import type { Principal } from "../../platform/auth/principal";
import type { Database } from "../../platform/db";
import type { ThreatEvent } from "../../platform/events/model";

/** What the tenant hub sends each live subscriber (platform/events/live.ts `liveMessage`). */
export interface HubMessage {
  kind: string;
  type: string;
  severity: string;
  source: string;
  event: ThreatEvent;
}

/** A reader this far behind is cut off (the stream ends after what is buffered) rather than buffered without bound. */
const MAX_BUFFERED = 1_000;

const parse = (data: unknown): HubMessage | null => {
  try {
    const m = JSON.parse(String(data)) as HubMessage;
    return m.kind === "event" ? m : null;
  } catch {
    return null;
  }
};

/**
 * The tenant hub's live events of these types as an async iterator, for the consensus family's
 * streams (Connect's StreamConsensusEvents, GraphQL subscriptions). Written as a plain iterator,
 * not an async generator, so that `return()` ends it at once even while a `next()` waits for an
 * event: a generator would only see the return at its next yield, holding the hub socket (and the
 * tier's stream slot) until an event happened to arrive. Ending closes the hub socket, which
 * releases the slot.
 */
export async function openHubEvents(
  env: Env,
  principal: Principal,
  types: string[],
  url: string,
  signal?: AbortSignal,
): Promise<AsyncIterableIterator<HubMessage>> {
  const { socket } = await openHubSocket(env, principal, { severities: [], systemTypes: [], types }, url);
  const queue: HubMessage[] = [];
  let waiting: ((r: IteratorResult<HubMessage>) => void) | null = null;
  let open = true;
  const end = () => {
    if (!open) return;
    open = false;
    try {
      socket.close(1000, "stream ended");
    } catch {
      // Already closed.
    }
    waiting?.({ value: undefined, done: true });
    waiting = null;
  };
  socket.addEventListener("message", (m) => {
    const message = open ? parse(m.data) : null;
    if (!message) return;
    const take = waiting;
    waiting = null;
    if (take) take({ value: message, done: false });
    else if (queue.push(message) > MAX_BUFFERED) end();
  });
  socket.addEventListener("close", end);
  signal?.addEventListener("abort", end);
  if (signal?.aborted) end();
  socket.accept();
  const iterator: AsyncIterableIterator<HubMessage> = {
    next: () => {
      if (queue.length) return Promise.resolve({ value: queue.shift()!, done: false });
      if (!open) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => (waiting = resolve));
    },
    return: () => {
      end();
      queue.length = 0;
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/** The stored event's details, which the hub's message leaves out (it carries the public ThreatEvent only). */
export async function eventDetails(db: Database, tenantId: string, eventId: string): Promise<Record<string, unknown>> {
  const [row] = await db
    .select({ details: securityEvents.details })
    .from(securityEvents)
    .where(and(eq(securityEvents.id, eventId), eq(securityEvents.tenantId, tenantId)))
    .limit(1);
  return row?.details ?? {};
}
