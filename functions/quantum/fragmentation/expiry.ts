import { and, eq, lte } from "drizzle-orm";
import { fragmentSets } from "../../../schema";
import { database } from "../../platform/db";
import { emitEvent } from "../../platform/events/emit";
import type { Logger } from "../../platform/log";

/**
 * Moves a set from active to expired, once: every fragment's alarm calls this, and only the one
 * whose conditional UPDATE returns the row goes on to emit. A set whose expiry was extended after
 * this fragment's alarm was armed (`expires_at` now later) is left active.
 */
export async function claimExpiry(env: Env, parentId: string, tenantId: string, now: number): Promise<boolean> {
  const won = await database(env.DB)
    .update(fragmentSets)
    .set({ status: "expired", expiredAt: now })
    .where(
      and(
        eq(fragmentSets.id, parentId),
        eq(fragmentSets.tenantId, tenantId),
        eq(fragmentSets.status, "active"),
        lte(fragmentSets.expiresAt, now),
      ),
    )
    .returning({ id: fragmentSets.id });
  return won.length > 0;
}

/** The event id is derived from the parent, so a retried alarm re-sends rather than duplicates. */
export const expiredEventId = (parentId: string) => `evt_fragexp_${parentId.replaceAll("-", "")}`;

/** Emits `fragmentation.expired` for a set this caller claimed (see claimExpiry). */
export async function emitExpired(env: Env, parentId: string, tenantId: string, log: Logger): Promise<void> {
  const set = await database(env.DB).query.fragmentSets.findFirst({
    where: (s, { and, eq }) => and(eq(s.id, parentId), eq(s.tenantId, tenantId)),
  });
  if (!set) return;
  await emitEvent(
    env,
    {
      id: expiredEventId(parentId),
      tenantId,
      source: "quantum",
      type: "fragmentation.expired",
      severity: "low",
      system: "fragment-vault",
      description: `Temporal fragment set ${parentId} expired; its ${set.fragmentCount} fragments were destroyed`,
      details: {
        parent_id: parentId,
        fragment_count: set.fragmentCount,
        threshold: set.threshold,
        distribution: set.distribution,
        expires_at: new Date(set.expiresAt).toISOString(),
        expired_at: new Date(set.expiredAt ?? Date.now()).toISOString(),
      },
    },
    log,
  );
}
