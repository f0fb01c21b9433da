import { and, desc, eq } from "drizzle-orm";
import { webhooks, type RetryPolicy } from "../../schema";
import { decryptText, encryptText } from "../platform/auth/keys";
import type { Database } from "../platform/db";
import { ApiError, notFound } from "../platform/errors";
import { newId } from "../platform/ids";
import { isValidPattern } from "./catalog";
import { generateSecret } from "./signing";
import { checkWebhookUrl } from "./url-policy";
import { isoTime } from "../platform/time";

export type Webhook = typeof webhooks.$inferSelect;

/** After a rotation the previous secret keeps signing alongside the new one for this long. */
export const SECRET_OVERLAP_MS = 24 * 3_600_000;

/** The public shape; the secret appears only in the responses that create it (create, rotate). */
export const webhookView = (w: Webhook) => ({
  id: w.id,
  url: w.url,
  events: w.events,
  active: w.active,
  description: w.description,
  retry_policy: w.retryPolicy,
  created_at: isoTime(w.createdAt),
  updated_at: isoTime(w.updatedAt),
  health: {
    consecutive_failures: w.consecutiveFailures,
    disabled_at: isoTime(w.disabledAt),
    disabled_reason: w.disabledReason,
  },
  previous_secret_valid_until:
    w.previousSecretUntil && w.previousSecretUntil > Date.now() ? isoTime(w.previousSecretUntil) : null,
});

export interface WebhookInput {
  url: string;
  events: string[];
  active?: boolean;
  secret?: string;
  description?: string | null;
  retry_policy?: RetryPolicy | null;
}

export interface SigningEnv {
  AUTH_SECRET: string;
  ENVIRONMENT: string;
}

function checkEvents(events: string[]) {
  const unknown = events.filter((e) => !isValidPattern(e));
  if (unknown.length)
    throw new ApiError("invalid_request", `Unknown event types: ${unknown.join(", ")} (see GET /v3/webhooks/event-types)`, {
      field: "events",
      unknown,
    });
}

export async function createWebhook(db: Database, env: SigningEnv, tenantId: string, input: WebhookInput) {
  checkWebhookUrl(input.url, env.ENVIRONMENT === "development");
  checkEvents(input.events);
  const secret = input.secret ?? generateSecret();
  const now = Date.now();
  const [row] = await db
    .insert(webhooks)
    .values({
      id: newId("whk"),
      tenantId,
      url: input.url,
      events: [...new Set(input.events)],
      active: input.active ?? true,
      description: input.description ?? null,
      retryPolicy: input.retry_policy ?? null,
      secretCiphertext: await encryptText(env.AUTH_SECRET, secret),
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return { ...webhookView(row!), secret };
}

export const listWebhooks = (db: Database, tenantId: string) =>
  db.select().from(webhooks).where(eq(webhooks.tenantId, tenantId)).orderBy(desc(webhooks.createdAt)).limit(500);

export async function getWebhook(db: Database, tenantId: string, id: string): Promise<Webhook> {
  const row = await db
    .select()
    .from(webhooks)
    .where(and(eq(webhooks.id, id), eq(webhooks.tenantId, tenantId)))
    .get();
  if (!row) throw notFound(`Webhook '${id}'`, { webhook_id: id });
  return row;
}

/** Re-activating an endpoint is the explicit way back from automatic disabling: it clears the failure record. */
export async function updateWebhook(db: Database, env: SigningEnv, tenantId: string, id: string, input: Partial<WebhookInput>) {
  await getWebhook(db, tenantId, id);
  if (input.url !== undefined) checkWebhookUrl(input.url, env.ENVIRONMENT === "development");
  if (input.events !== undefined) checkEvents(input.events);
  const reenable =
    input.active === true ? { disabledAt: null, disabledReason: null, consecutiveFailures: 0, firstFailureAt: null } : {};
  const [row] = await db
    .update(webhooks)
    .set({
      ...(input.url !== undefined ? { url: input.url } : {}),
      ...(input.events !== undefined ? { events: [...new Set(input.events)] } : {}),
      ...(input.active !== undefined ? { active: input.active } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.retry_policy !== undefined ? { retryPolicy: input.retry_policy } : {}),
      ...(input.secret !== undefined ? { secretCiphertext: await encryptText(env.AUTH_SECRET, input.secret) } : {}),
      ...reenable,
      updatedAt: Date.now(),
    })
    .where(and(eq(webhooks.id, id), eq(webhooks.tenantId, tenantId)))
    .returning();
  return webhookView(row!);
}

export async function deleteWebhook(db: Database, tenantId: string, id: string) {
  const deleted = await db
    .delete(webhooks)
    .where(and(eq(webhooks.id, id), eq(webhooks.tenantId, tenantId)))
    .returning({ id: webhooks.id });
  if (!deleted.length) throw notFound(`Webhook '${id}'`, { webhook_id: id });
}

/** A new secret, shown once; the old one keeps signing alongside for 24 hours. */
export async function rotateSecret(db: Database, env: SigningEnv, tenantId: string, id: string, secret?: string) {
  const current = await getWebhook(db, tenantId, id);
  const next = secret ?? generateSecret();
  const now = Date.now();
  const [row] = await db
    .update(webhooks)
    .set({
      secretCiphertext: await encryptText(env.AUTH_SECRET, next),
      previousSecretCiphertext: current.secretCiphertext,
      previousSecretUntil: now + SECRET_OVERLAP_MS,
      updatedAt: now,
    })
    .where(and(eq(webhooks.id, id), eq(webhooks.tenantId, tenantId)))
    .returning();
  return { ...webhookView(row!), secret: next };
}

/** The secrets to sign with now: the current one, then the previous one while its overlap lasts. */
export async function signingSecrets(authSecret: string, w: Webhook, now = Date.now()): Promise<string[]> {
  const current = await decryptText(authSecret, w.secretCiphertext);
  if (!w.previousSecretCiphertext || !w.previousSecretUntil || w.previousSecretUntil <= now) return [current];
  return [current, await decryptText(authSecret, w.previousSecretCiphertext)];
}
