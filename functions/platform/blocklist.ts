import { and, asc, eq, gt, isNull, or } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import { blocklist } from "../../schema";
import type { Database } from "./db";
import { database } from "./db";
import { ApiError } from "./errors";
import { contains, parseCidr, parseIp, type Network } from "./ip";
import type { AppEnv } from "./types";

export type BlockEntry = typeof blocklist.$inferSelect;

/** Entries still in force: no expiry, or an expiry still ahead. */
export const activeEntries = (db: Database, tenantId: string, now = Date.now()) =>
  db
    .select()
    .from(blocklist)
    .where(and(eq(blocklist.tenantId, tenantId), or(isNull(blocklist.expiresAt), gt(blocklist.expiresAt, now))))
    .orderBy(asc(blocklist.cidr), asc(blocklist.createdAt));

/**
 * A tenant's parsed blocks, cached in the isolate for a few seconds: every ingestion request
 * checks them. A write in this isolate drops the entry at once; other isolates follow within
 * CACHE_MS. Entries carry their expiry so a block lapses on time even from the cache.
 */
const CACHE_MS = 5_000;
const CACHE_MAX = 10_000;
type Parsed = { block: Network; cidr: string; expiresAt: number | null };
const cache = new Map<string, { entries: Parsed[]; until: number }>();

export function forgetBlocks(tenantId: string): void {
  cache.delete(tenantId);
}

async function blocksOf(db: Database, tenantId: string, now: number): Promise<Parsed[]> {
  const hit = cache.get(tenantId);
  if (hit && hit.until > now) return hit.entries;
  const rows = await activeEntries(db, tenantId, now);
  const entries = rows.flatMap((r) => {
    const block = parseCidr(r.cidr);
    return block ? [{ block, cidr: r.cidr, expiresAt: r.expiresAt }] : [];
  });
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(tenantId, { entries, until: now + CACHE_MS });
  return entries;
}

/** The block that covers `ip` for the tenant, if any. */
export async function blockedBy(db: Database, tenantId: string, ip: string, now = Date.now()): Promise<string | null> {
  const address = parseIp(ip);
  if (!address) return null;
  const entries = await blocksOf(db, tenantId, now);
  const hit = entries.find((e) => (e.expiresAt === null || e.expiresAt > now) && contains(e.block, address));
  return hit?.cidr ?? null;
}

/**
 * Refuses a tenant's ingestion request (logs, claims, incident creation) from a blocked
 * address, in the family's envelope. Runs after authentication: the blocklist is the tenant's.
 */
export function enforceBlocklist(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const p = c.get("principal");
    const ip = c.req.header("CF-Connecting-IP");
    if (p && ip) {
      const cidr = await blockedBy(database(c.env.DB), p.tenantId, ip);
      if (cidr)
        throw new ApiError("forbidden", `Requests from ${ip} are blocked for this tenant`, { blocked_ip: ip, blocked_by: cidr });
    }
    await next();
  };
}
