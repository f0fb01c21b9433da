import { and, eq, gt, sql } from "drizzle-orm";
import { fragmentSets } from "../../../schema";
import type { Database } from "../../platform/db";
import { ApiError, notFound } from "../../platform/errors";
import type { Logger } from "../../platform/log";
import { isoTime } from "../../platform/time";
import { ciphertextDigest, decodeBase64, seal, shareMac, splitKey } from "./crypto";
import { LOCAL_LOCATION, LOCATION_HINTS, MAX_DATA_BYTES, MAX_LIFETIME_MS, type FragmentRef, type LocationHint } from "./model";
import type { FragmentInput } from "./schemas";

export interface FragmentDeps {
  db: Database;
  vault: Env["FRAGMENT_VAULT"];
  /** AUTH_SECRET, from which the share MAC key is derived. */
  secret: string;
  log: Logger;
}

export type FragmentSet = typeof fragmentSets.$inferSelect;

export const vaultOf = (deps: FragmentDeps, fragmentId: string, hint?: LocationHint) =>
  deps.vault.getByName(fragmentId, hint ? { locationHint: hint } : undefined);

const view = (refs: readonly FragmentRef[], expiresAt: number) =>
  refs.map((r) => ({ fragment_id: r.fragment_id, location: r.location, expires_at: isoTime(expiresAt) }));

function decodeData(text: string): Uint8Array {
  const data = decodeBase64(text);
  if (!data || data.length === 0)
    throw new ApiError("invalid_request", "Invalid body 'data': must be non-empty standard base64", { field: "data" });
  if (data.length > MAX_DATA_BYTES)
    throw new ApiError("payload_too_large", `'data' decodes to more than ${MAX_DATA_BYTES} bytes`, { max_bytes: MAX_DATA_BYTES });
  return data;
}

/** Round-robin over the location hints from a random start, or no hint at all for `local`. */
function placements(count: number, distribution: FragmentInput["distribution"]) {
  const start = crypto.getRandomValues(new Uint32Array(1))[0]! % LOCATION_HINTS.length;
  return Array.from({ length: count }, (_, i) => {
    const hint = distribution === "geographic" ? LOCATION_HINTS[(start + i) % LOCATION_HINTS.length] : undefined;
    return { fragment_id: crypto.randomUUID(), location: hint ?? LOCAL_LOCATION, hint };
  });
}

/**
 * Encrypts, splits the key, and hands each fragment to its own Durable Object. The D1 row is written
 * first so an alarm that fires during a slow store (a 100 ms lifetime) always finds its set to expire;
 * if any store fails, the stored fragments and the row are removed before the error surfaces.
 */
export async function fragmentData(deps: FragmentDeps, tenantId: string, input: FragmentInput, now = Date.now()) {
  const data = decodeData(input.data);
  const parentId = crypto.randomUUID();
  const threshold = input.fragment_count - input.redundancy;
  const expiresAt = now + input.lifetime_ms;
  const { key, iv, ciphertext } = await seal(data, parentId);
  const shares = await splitKey(key, input.fragment_count, threshold);
  key.fill(0);
  const digest = await ciphertextDigest(iv, ciphertext);
  const placed = placements(input.fragment_count, input.distribution);
  const fragments: FragmentRef[] = placed.map(({ fragment_id, location }) => ({ fragment_id, location }));
  await deps.db.insert(fragmentSets).values({
    id: parentId,
    tenantId,
    fragmentCount: input.fragment_count,
    threshold,
    redundancy: input.redundancy,
    distribution: input.distribution,
    byteLength: data.length,
    fragments,
    expiresAt,
  });
  try {
    await Promise.all(
      placed.map(async (p, i) => {
        const binding = { parentId, fragmentId: p.fragment_id, index: i + 1, threshold, share: shares[i]!, digest };
        const mac = await shareMac(deps.secret, binding);
        const fragment = { parentId, tenantId, index: i + 1, share: shares[i]!, mac, digest, iv, ciphertext, expiresAt };
        await vaultOf(deps, p.fragment_id, p.hint).store(fragment);
      }),
    );
  } catch (err) {
    await Promise.allSettled(placed.map((p) => vaultOf(deps, p.fragment_id).destroy()));
    await deps.db.delete(fragmentSets).where(eq(fragmentSets.id, parentId));
    throw err;
  }
  return { parent_id: parentId, threshold, expires_at: isoTime(expiresAt), fragments: view(fragments, expiresAt) };
}

/** The tenant's set, live: 404 for an unknown (or another tenant's) id, 410 once past its expiry. */
export async function liveSet(db: Database, tenantId: string, parentId: string, now: number): Promise<FragmentSet> {
  const set = await db.query.fragmentSets.findFirst({
    where: (s, { and, eq }) => and(eq(s.id, parentId), eq(s.tenantId, tenantId)),
  });
  if (!set) throw notFound("Fragment set", { parent_id: parentId });
  if (set.status === "expired" || set.expiresAt <= now) throw expired(set);
  return set;
}

export const expired = (set: FragmentSet) =>
  new ApiError("gone", "The fragments have expired and were destroyed", {
    parent_id: set.id,
    expired_at: isoTime(set.expiredAt ?? set.expiresAt),
  });

/**
 * Extends every live fragment. D1 moves first, atomically (`expires_at + additional`), so an alarm
 * racing this request sees the later expiry and leaves the set active; each object then takes the
 * later of its own expiry and D1's, so concurrent extensions converge whatever order they land in.
 */
export async function extendLifetime(
  deps: FragmentDeps,
  tenantId: string,
  parentId: string,
  additionalMs: number,
  now = Date.now(),
) {
  const set = await liveSet(deps.db, tenantId, parentId, now);
  if (set.expiresAt + additionalMs - now > MAX_LIFETIME_MS)
    throw new ApiError("invalid_request", `A fragment may live at most ${MAX_LIFETIME_MS} ms from now`, {
      field: "additional_ms",
      max_expires_at: isoTime(now + MAX_LIFETIME_MS),
    });
  const [moved] = await deps.db
    .update(fragmentSets)
    .set({ expiresAt: sql`${fragmentSets.expiresAt} + ${additionalMs}` })
    .where(and(eq(fragmentSets.id, set.id), eq(fragmentSets.status, "active"), gt(fragmentSets.expiresAt, now)))
    .returning({ expiresAt: fragmentSets.expiresAt });
  if (!moved) throw expired(set);
  const extended = await Promise.all(set.fragments.map((f) => vaultOf(deps, f.fragment_id).extend(moved.expiresAt)));
  return {
    parent_id: set.id,
    expires_at: isoTime(moved.expiresAt),
    fragments: view(
      set.fragments.filter((_, i) => extended[i]),
      moved.expiresAt,
    ),
    missing_fragments: set.fragments.filter((_, i) => !extended[i]).map((f) => f.fragment_id),
  };
}
