import { and, eq, isNull, lte, or, sql } from "drizzle-orm";
import type { Context } from "hono";
import { canaryHits, canaryTokens, CANARY_CHANNELS } from "../../../schema";
import { sha256Hex } from "../../platform/crypto";
import { database, type Database } from "../../platform/db";
import { emitEvent } from "../../platform/events/emit";
import type { NewEvent } from "../../platform/events/model";
import type { Logger } from "../../platform/log";
import type { AppEnv } from "../../platform/types";

export type CanaryToken = typeof canaryTokens.$inferSelect;
export type Channel = (typeof CANARY_CHANNELS)[number];

export interface Deps {
  env: Env;
  db: Database;
  log: Logger;
}

/** Who touched a canary, as far as the request tells. */
export interface Visitor {
  ip: string | null;
  userAgent: string | null;
  /** ISO 3166 alpha-2 from Cloudflare's `request.cf`; absent in local development. */
  country: string | null;
}

export interface Hit {
  channel: Channel;
  visitor: Visitor;
  detail: string | null;
}

/** One alert per token per minute at most; the hits in between are counted and reported with the next alert. */
export const ALERT_EVERY_MS = 60_000;

/** The URL token and the decoy key: 256 random bits each, base64url (the decoy in Vigil's API-key form). */
export const MONITOR_TOKEN = /^[A-Za-z0-9_-]{43}$/;
export const DECOY_SHAPE = /^vgl_[A-Za-z0-9_-]{43}$/;

export function visitorOf(c: Context<AppEnv>): Visitor {
  const country = (c.req.raw as { cf?: { country?: string } }).cf?.country ?? null;
  return {
    ip: c.req.header("CF-Connecting-IP") ?? null,
    userAgent: c.req.header("User-Agent")?.slice(0, 512) ?? null,
    country,
  };
}

function countryName(code: string): string | null {
  try {
    return new Intl.DisplayNames(["en"], { type: "region" }).of(code) ?? null;
  } catch {
    return null;
  }
}

const CHANNEL_LABEL: Record<Channel, string> = {
  monitoring_url: "its monitoring URL",
  decoy_credential: "its decoy credential",
  collapse_test: "a collapse test",
};

function triggerEvent(token: CanaryToken, hit: Hit, at: number, extra: Record<string, unknown>): NewEvent {
  const code = hit.visitor.country && /^[A-Z]{2}$/.test(hit.visitor.country) ? hit.visitor.country : null;
  const from = hit.visitor.ip ? ` from ${hit.visitor.ip}` : "";
  return {
    tenantId: token.tenantId,
    occurredAt: at,
    source: "quantum",
    type: "quantum.canary.triggered",
    severity: "critical",
    countryCode: code,
    country: code ? countryName(code) : null,
    system: `canary:${token.zone}`,
    systemType: "access",
    description: `Canary token ${token.id} (${token.zone}) touched via ${CHANNEL_LABEL[hit.channel]}${from}`,
    details: {
      token_id: token.id,
      deployment_zone: token.zone,
      channel: hit.channel,
      ip: hit.visitor.ip,
      user_agent: hit.visitor.userAgent,
      country: hit.visitor.country,
      detail: hit.detail,
      hit_at: new Date(at).toISOString(),
      metadata: token.metadata,
      ...extra,
    },
  };
}

const hitRow = (token: CanaryToken, hit: Hit, at: number, alerted: boolean) => ({
  tenantId: token.tenantId,
  tokenId: token.id,
  at,
  channel: hit.channel,
  ip: hit.visitor.ip,
  userAgent: hit.visitor.userAgent,
  country: hit.visitor.country,
  detail: hit.detail,
  alerted,
});

/**
 * Records a real touch and alerts unless throttled. Every hit is stored; the alert decision is one
 * conditional UPDATE … RETURNING, so of concurrent hits exactly one claims the alert. The claim
 * reads the suppressed count and then subtracts exactly that many (not a reset), so hits counted
 * by a concurrent request in between are carried by the next alert instead of being lost.
 * Expired tokens record the hit as evidence but never alert (nor count it as suppressed).
 */
export async function recordHit({ env, db, log }: Deps, token: CanaryToken, hit: Hit, now = Date.now()) {
  const t = canaryTokens;
  const touched = { hits: sql`${t.hits} + 1`, lastHitAt: now };
  if (token.expiresAt <= now) {
    await db.batch([
      db.update(t).set(touched).where(eq(t.id, token.id)),
      db.insert(canaryHits).values(hitRow(token, hit, now, false)),
    ]);
    return { alerted: false, eventId: null };
  }
  const due = or(isNull(t.lastAlertAt), lte(t.lastAlertAt, now - ALERT_EVERY_MS));
  const [claim] = await db
    .update(t)
    .set({ ...touched, lastAlertAt: now })
    .where(and(eq(t.id, token.id), due))
    .returning({ carried: t.suppressedHits, hits: t.hits });
  if (!claim) {
    await db.batch([
      db
        .update(t)
        .set({ ...touched, suppressedHits: sql`${t.suppressedHits} + 1` })
        .where(eq(t.id, token.id)),
      db.insert(canaryHits).values(hitRow(token, hit, now, false)),
    ]);
    return { alerted: false, eventId: null };
  }
  await db.batch([
    db.insert(canaryHits).values(hitRow(token, hit, now, true)),
    db
      .update(t)
      .set({ suppressedHits: sql`max(0, ${t.suppressedHits} - ${claim.carried})` })
      .where(eq(t.id, token.id)),
  ]);
  const extra = { hits: claim.hits, suppressed_hits: claim.carried, test: false };
  const { event } = await emitEvent(env, triggerEvent(token, hit, now, extra), log);
  return { alerted: true, eventId: event.id };
}

/**
 * The collapse test's trigger: always alerts, flagged `test: true`, and stays out of the throttle
 * and the hit counters so exercising a token never hides or delays a real alert.
 */
export async function recordTestTrigger({ env, db, log }: Deps, token: CanaryToken, hit: Hit, check: object) {
  const now = Date.now();
  await db.insert(canaryHits).values(hitRow(token, hit, now, true));
  const { event } = await emitEvent(env, triggerEvent(token, hit, now, { test: true, check }), log);
  return event.id;
}

async function tokenBySecret(db: Database, column: "monitorHash" | "decoyHash", secret: string) {
  const hash = await sha256Hex(secret);
  return db.select().from(canaryTokens).where(eq(canaryTokens[column], hash)).get();
}

/** A request to a monitoring URL; unknown tokens are ignored (the caller answers the same either way). */
export async function tripMonitor(c: Context<AppEnv>, urlToken: string): Promise<void> {
  if (!MONITOR_TOKEN.test(urlToken)) return;
  const deps = { env: c.env, db: database(c.env.DB), log: c.get("log") };
  const token = await tokenBySecret(deps.db, "monitorHash", urlToken);
  if (!token) return;
  const referer = c.req.header("Referer");
  const detail = `${c.req.method}${referer ? ` referer=${referer.slice(0, 300)}` : ""}`;
  await recordHit(deps, token, { channel: "monitoring_url", visitor: visitorOf(c), detail });
}

/** Credentials a request was refused with: any that is a canary's decoy is a hit. */
export async function tripDecoy(c: Context<AppEnv>, credentials: string[]): Promise<void> {
  const candidates = credentials.filter((s) => DECOY_SHAPE.test(s));
  if (!candidates.length) return;
  const deps = { env: c.env, db: database(c.env.DB), log: c.get("log") };
  for (const credential of candidates) {
    const token = await tokenBySecret(deps.db, "decoyHash", credential);
    if (!token) continue;
    const detail = `${c.req.method} ${c.req.path}`.slice(0, 500);
    await recordHit(deps, token, { channel: "decoy_credential", visitor: visitorOf(c), detail });
  }
}
