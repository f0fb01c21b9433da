import { eventDetails, openHubEvents, type HubMessage } from "../consensus/hub-events";
import { guarded, type GraphQLContext } from "./context";

/**
 * Subscriptions are filters on the tenant hub, the Durable Object every pipeline event is published
 * to: each one opens its own hub subscription, which holds one of the tier's stream slots while it
 * lasts. The hub's message carries the public ThreatEvent only, so each event's details (where the
 * agent id, proposal or action live) are read from D1, where the event was stored before it was
 * published.
 */

export const AGENT_EVENT_TYPES = ["agent.registered", "agent.updated", "agent.deactivated", "agent.byzantine.detected"];
export const COORDINATION_UPDATE_TYPES = ["consensus.achieved", "consensus.failed", "coordination.action.completed"];

type Mapper<T> = (m: HubMessage) => Promise<T | null>;

/**
 * Maps (and drops, on null) the hub's messages. A plain iterator rather than an async generator:
 * `return()` must reach the source at once (see openHubEvents), even while a `next()` is pending.
 */
function mapEvents<T>(source: AsyncIterableIterator<HubMessage>, map: Mapper<T>): AsyncIterableIterator<T> {
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      for (;;) {
        const r = await source.next();
        if (r.done) return { value: undefined, done: true };
        const mapped = await map(r.value);
        if (mapped !== null) return { value: mapped, done: false };
      }
    },
    async return() {
      await source.return?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

const common = (m: HubMessage, details: Record<string, unknown>) => ({
  id: m.event.id,
  timestamp: m.event.timestamp,
  severity: m.severity.toUpperCase(),
  description: m.event.description,
  details,
});

const text = (v: unknown) => (typeof v === "string" ? v : null);

function subscribe<T>(ctx: GraphQLContext, types: string[], map: (m: HubMessage, details: Record<string, unknown>) => T | null) {
  return guarded(ctx, "read", async () => {
    const source = await openHubEvents(ctx.deps.env, ctx.principal, types, ctx.url);
    return mapEvents(source, async (m) => map(m, await eventDetails(ctx.deps.db, ctx.principal.tenantId, m.event.id)));
  });
}

export const subscriptionResolvers = {
  agentEvents: {
    subscribe: (_: unknown, args: { agentId?: string | null }, ctx: GraphQLContext) =>
      subscribe(ctx, AGENT_EVENT_TYPES, (m, details) => {
        const agentId = text(details.agent_id);
        if (!agentId || (args.agentId && agentId !== args.agentId)) return null;
        return { agentEvents: { ...common(m, details), eventType: m.type, agentId } };
      }),
  },
  coordinationUpdates: {
    subscribe: (_: unknown, _args: unknown, ctx: GraphQLContext) =>
      subscribe(ctx, COORDINATION_UPDATE_TYPES, (m, details) => ({
        coordinationUpdates: {
          ...common(m, details),
          updateType: m.type,
          proposalId: text(details.proposal_id),
          sequence: typeof details.sequence === "number" ? details.sequence : null,
          actionId: text(details.action_id),
        },
      })),
  },
};
