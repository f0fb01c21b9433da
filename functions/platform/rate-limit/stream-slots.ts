import type { Principal } from "../auth/principal";
import { ApiError } from "../errors";
import { TIER_LIMITS } from "./policies";

/** A stream holds its slot for this long unless it renews; streams renew at half this. */
export const STREAM_LEASE_MS = 60_000;

export interface StreamSlot {
  id: string;
  /** The ConnectionSlots object holding the lease, for whoever releases it later. */
  slotsName: string;
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

/**
 * Claims one of the principal's concurrent stream connections (the tier's cap), or answers
 * 429. Streams (WebSocket, SSE) call this before accepting and release when they close.
 */
export async function acquireStreamSlot(env: Env, principal: Principal): Promise<StreamSlot> {
  const max = TIER_LIMITS[principal.tier].concurrentStreams;
  const slotsName = `${principal.tenantId}:${principal.kind}:${principal.id}`;
  const slots = env.CONNECTION_SLOTS.getByName(slotsName);
  const id = crypto.randomUUID();
  const { granted, active } = await slots.acquire(id, max, STREAM_LEASE_MS);
  if (!granted)
    throw new ApiError(
      "rate_limited",
      `Too many concurrent stream connections (${active} of ${max} for the ${principal.tier} tier)`,
      {
        concurrent_streams: active,
        limit: max,
      },
      { "Retry-After": String(STREAM_LEASE_MS / 1000) },
    );
  return { id, slotsName, renew: () => slots.renew(id, STREAM_LEASE_MS), release: () => slots.release(id) };
}
