import { eq } from "drizzle-orm";
import { apiKeys, type ApiKeyHeader, type ApiKeyScope } from "../../../schema";
import { auditInsert, type Actor } from "../audit";
import { sha256Hex } from "../crypto";
import type { Database } from "../db";
import { newId } from "../ids";
import { randomToken } from "./keys";
import { revokeCredential } from "./revoke";
import type { Principal } from "./principal";

/** The key's prefix says which header it belongs to: `zsm_` keys are agent-claims keys. */
export const KEY_PREFIX: Record<ApiKeyHeader, string> = { "X-API-Key": "vgl", "X-Zeq-SM-Key": "zsm" };

export interface NewApiKey {
  name: string;
  scopes: ApiKeyScope[];
  header: ApiKeyHeader;
  machine?: string | null;
}

/** Returns the plaintext key once; only its SHA-256 is stored. */
export async function createApiKey(db: Database, tenantId: string, input: NewApiKey, actor: Actor) {
  const id = newId("key");
  const key = randomToken(KEY_PREFIX[input.header]);
  const row = {
    id,
    tenantId,
    name: input.name,
    header: input.header,
    displayPrefix: key.slice(0, 12),
    keyHash: await sha256Hex(key),
    scopes: [...new Set(input.scopes)],
    machine: input.machine ?? null,
  };
  await db.batch([
    db.insert(apiKeys).values(row),
    auditInsert(db, {
      tenantId,
      actor: actor.name,
      action: "api_key.create",
      target: id,
      requestId: actor.requestId,
      details: { name: input.name, scopes: row.scopes },
    }),
  ]);
  return {
    id,
    key,
    name: row.name,
    header: row.header,
    scopes: row.scopes,
    machine: row.machine,
    display_prefix: row.displayPrefix,
  };
}

export async function revokeApiKey(db: Database, tenantId: string, id: string, actor: Actor) {
  await revokeCredential(db, apiKeys, { label: "API key", action: "api_key.revoke" }, tenantId, id, actor);
  forgetApiKey(id);
}

/** Drops a key from this isolate's cache, so a revocation takes effect on its next request here. */
export function forgetApiKey(id: string): void {
  for (const [hash, entry] of verified) if (entry.principal.id === id) verified.delete(hash);
}

interface CachedKey {
  principal: Principal;
  header: ApiKeyHeader;
  until: number;
}

/**
 * Verified keys are cached in the isolate so a hot key does not cost a D1 read per request.
 * A revocation clears this isolate's entry at once; other isolates stop accepting the key
 * within CACHE_MS.
 */
const CACHE_MS = 30_000;
const CACHE_MAX = 10_000;
const verified = new Map<string, CachedKey>();
/** last_used_at is written at most once a minute per key. */
const TOUCH_EVERY_MS = 60_000;
const touched = new Map<string, number>();

export interface VerifiedKey {
  principal: Principal;
  header: ApiKeyHeader;
  /** A pending last-used write, for waitUntil; null when written recently. */
  touch: (() => Promise<unknown>) | null;
}

export async function verifyApiKey(db: Database, key: string, now = Date.now()): Promise<VerifiedKey | null> {
  if (key.length > 200) return null;
  const hash = await sha256Hex(key);
  let hit = verified.get(hash);
  if (!hit || hit.until < now) {
    const row = await db.select().from(apiKeys).where(eq(apiKeys.keyHash, hash)).get();
    if (!row || row.revokedAt !== null) {
      verified.delete(hash);
      return null;
    }
    if (verified.size >= CACHE_MAX) verified.delete(verified.keys().next().value!);
    hit = { principal: principalOf(row), header: row.header, until: now + CACHE_MS };
    verified.set(hash, hit);
  }
  const id = hit.principal.id;
  const last = touched.get(id) ?? 0;
  let touch: VerifiedKey["touch"] = null;
  if (now - last >= TOUCH_EVERY_MS) {
    touched.set(id, now);
    touch = () => db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, id));
  }
  return { principal: hit.principal, header: hit.header, touch };
}

function principalOf(row: typeof apiKeys.$inferSelect): Principal {
  return {
    tenantId: row.tenantId,
    kind: "api_key",
    id: row.id,
    method: "api_key",
    role: null,
    scopes: row.scopes,
    tier: "standard",
    machine: row.machine,
    sessionId: null,
  };
}
