import { and, eq } from "drizzle-orm";
import { machines, users, type MachineVisibility } from "../../schema";
import type { Principal } from "../platform/auth/principal";
import { isUniqueViolation, type Database } from "../platform/db";
import { ApiError, conflict, notFound } from "../platform/errors";
import { randomHex } from "../platform/ids";

export type Machine = typeof machines.$inferSelect;

export const SLUG = /^[a-z0-9][a-z0-9-]{2,63}$/;

/** The seed's style: `zeq` and eleven digits. */
function generateSlug(): string {
  const digits = BigInt(`0x${randomHex(8)}`) % 10n ** 11n;
  return `zeq${digits.toString().padStart(11, "0")}`;
}

export async function createMachine(
  db: Database,
  tenantId: string,
  input: { slug?: string; owner_user_id: string; visibility: MachineVisibility; theta?: number },
) {
  const owner = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.id, input.owner_user_id), eq(users.tenantId, tenantId)))
    .get();
  if (!owner) throw notFound(`User '${input.owner_user_id}' in this tenant`, { owner_user_id: input.owner_user_id });
  const slug = input.slug ?? generateSlug();
  try {
    await db.insert(machines).values({ slug, tenantId, ownerUserId: owner.id, visibility: input.visibility, theta: input.theta });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`Machine slug '${slug}' is taken`, { slug });
    throw err;
  }
  return { slug };
}

/**
 * Registry rows cached in the isolate: every claim and read looks its machine up, and a row
 * changes only at creation today (no route edits owner, visibility or θ). The TTL bounds how
 * stale a later edit could be; unknown slugs are never cached, so a new machine is found at once.
 */
const registry = new Map<string, { machine: Machine; until: number }>();
const REGISTRY_TTL_MS = 30_000;
const REGISTRY_MAX = 10_000;

export async function findMachine(db: Database, slug: string): Promise<Machine> {
  const now = Date.now();
  const hit = registry.get(slug);
  if (hit && hit.until > now) return hit.machine;
  const machine = await db.select().from(machines).where(eq(machines.slug, slug)).get();
  if (!machine) throw new ApiError("machine_not_found", `No machine '${slug}'`, { slug });
  if (registry.size >= REGISTRY_MAX) registry.delete(registry.keys().next().value!);
  registry.set(slug, { machine, until: now + REGISTRY_TTL_MS });
  return machine;
}

export const isOwner = (m: Machine, p: Principal | undefined) =>
  Boolean(p && p.tenantId === m.tenantId && (p.kind === "session" || p.kind === "user") && p.id === m.ownerUserId);

/** Owner-only actions: anyone else signed in is refused (403); the machine exists for them too, as the seed's gate implies. */
export function requireOwner(m: Machine, p: Principal): void {
  if (!isOwner(m, p)) throw new ApiError("forbidden", `Only the owner of '${m.slug}' may do this`, { slug: m.slug });
}

/** The seed's read gate (threats, mesh feed, audit): the owner always; anyone when the machine is public. */
export function requireReader(m: Machine, p: Principal | undefined): void {
  if (m.visibility === "public" || isOwner(m, p)) return;
  throw new ApiError("forbidden", `Machine '${m.slug}' is private`, { slug: m.slug });
}
