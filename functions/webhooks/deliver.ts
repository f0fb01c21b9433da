import { and, eq } from "drizzle-orm";
import { webhookAttempts, webhookDeliveries } from "../../schema";
import type { Database } from "../platform/db";
import { recordDeadLetter } from "../platform/dead-letters";
import { registerJob, RetryLater, type JobContext } from "../platform/jobs";
import { DELIVER_JOB } from "./fanout";
import { recordFailure, recordSuccess, disableEndpoint } from "./health";
import { retryAfterSeconds, retryDelay } from "./retry";
import { signDelivery } from "./signing";
import { getWebhook, signingSecrets, type Webhook } from "./store";
import { checkWebhookUrl } from "./url-policy";

type Delivery = typeof webhookDeliveries.$inferSelect;

export const DELIVERY_TIMEOUT_MS = 15_000;
const EXCERPT_BYTES = 1024;

interface Outcome {
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  excerpt: string | null;
  retryAfter: number | null;
}

/** The seed's payload; `delivery_attempt` counts from 1, so each attempt's body (and signature) differs. */
export const payloadFor = (w: Webhook, d: Delivery, attempt: number) =>
  JSON.stringify({
    event: d.eventType,
    timestamp: new Date(d.createdAt).toISOString(),
    data: JSON.parse(d.data) as unknown,
    metadata: { webhook_id: w.id, delivery_id: d.id, delivery_attempt: attempt },
  });

async function readExcerpt(res: Response): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < EXCERPT_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  await reader.cancel().catch(() => undefined);
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) all.set(c, (at += c.length) - c.length);
  return new TextDecoder().decode(all.slice(0, EXCERPT_BYTES));
}

/** One POST: never follows redirects (a 3xx is a failure), gives up after 15 s. */
async function post(env: Env, w: Webhook, d: Delivery, attempt: number): Promise<Outcome> {
  const body = payloadFor(w, d, attempt);
  const headers = await signDelivery(await signingSecrets(env.AUTH_SECRET, w), d.id, Math.floor(Date.now() / 1000), body);
  const started = Date.now();
  try {
    const res = await fetch(w.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "User-Agent": "Vigil-Webhooks/1.0", ...headers },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    const excerpt = await readExcerpt(res);
    return {
      statusCode: res.status,
      latencyMs: Date.now() - started,
      error: null,
      excerpt,
      retryAfter: retryAfterSeconds(res.headers.get("Retry-After")),
    };
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    return {
      statusCode: null,
      latencyMs: Date.now() - started,
      error: timedOut ? "timed out after 15 s" : String(err),
      excerpt: null,
      retryAfter: null,
    };
  }
}

/** Claims the next attempt for this consumer alone: the conditional update lets one of two duplicate messages through. */
async function claim(db: Database, d: Delivery): Promise<boolean> {
  const [row] = await db
    .update(webhookDeliveries)
    .set({ attempts: d.attempts + 1, nextAttemptAt: null })
    .where(
      and(eq(webhookDeliveries.id, d.id), eq(webhookDeliveries.status, "pending"), eq(webhookDeliveries.attempts, d.attempts)),
    )
    .returning({ id: webhookDeliveries.id });
  return Boolean(row);
}

async function settle(db: Database, d: Delivery, set: Partial<Delivery>) {
  await db.update(webhookDeliveries).set(set).where(eq(webhookDeliveries.id, d.id));
}

async function logAttempt(db: Database, d: Delivery, attempt: number, o: Outcome, retryInSeconds: number | null) {
  await db
    .insert(webhookAttempts)
    .values({
      deliveryId: d.id,
      tenantId: d.tenantId,
      attempt,
      at: Date.now(),
      statusCode: o.statusCode,
      latencyMs: o.latencyMs,
      error: o.error,
      responseExcerpt: o.excerpt,
      retryInSeconds,
    })
    .onConflictDoNothing();
}

async function loadDue(db: Database, tenantId: string, deliveryId: string) {
  const d = await db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.tenantId, tenantId)))
    .get();
  // Settled, or a duplicate message ahead of a scheduled retry (whose own message will come).
  if (!d || d.status !== "pending" || (d.nextAttemptAt !== null && d.nextAttemptAt > Date.now() + 1000)) return null;
  return d;
}

export async function deliver(tenantId: string, deliveryId: string, { env, db, log }: JobContext): Promise<void> {
  const d = await loadDue(db, tenantId, deliveryId);
  if (!d) return;
  const w = await getWebhook(db, tenantId, d.webhookId).catch(() => null);
  if (!w || !w.active || w.disabledAt !== null) return settle(db, d, { status: "failed", completedAt: Date.now() });
  if (!(await claim(db, d))) return;
  const attempt = d.attempts + 1;
  let outcome: Outcome;
  try {
    checkWebhookUrl(w.url, env.ENVIRONMENT === "development");
    outcome = await post(env, w, d, attempt);
  } catch (err) {
    outcome = {
      statusCode: null,
      latencyMs: 0,
      error: err instanceof Error ? err.message : String(err),
      excerpt: null,
      retryAfter: null,
    };
    await logAttempt(db, d, attempt, outcome, null);
    return settle(db, d, { status: "failed", completedAt: Date.now() });
  }
  await conclude(env, db, w, d, attempt, outcome, log);
}

async function conclude(env: Env, db: Database, w: Webhook, d: Delivery, attempt: number, o: Outcome, log: JobContext["log"]) {
  const code = o.statusCode;
  if (code !== null && code >= 200 && code < 300) {
    await logAttempt(db, d, attempt, o, null);
    await settle(db, d, { status: "succeeded", lastStatusCode: code, completedAt: Date.now() });
    return recordSuccess(db, w);
  }
  if (code === 410) {
    await logAttempt(db, d, attempt, o, null);
    await settle(db, d, { status: "failed", lastStatusCode: code, completedAt: Date.now() });
    return disableEndpoint(env, w, "the endpoint answered 410 Gone", log);
  }
  let delay = retryDelay(w.retryPolicy, attempt);
  if (delay !== null && (code === 429 || code === 503) && o.retryAfter !== null) delay = Math.max(delay, o.retryAfter);
  await logAttempt(db, d, attempt, o, delay);
  await recordFailure(env, w, log);
  if (delay === null) {
    await settle(db, d, { status: "failed", lastStatusCode: code, completedAt: Date.now() });
    await recordDeadLetter(db, {
      queue: "vigil-webhooks",
      messageId: `delivery:${d.id}`,
      kind: DELIVER_JOB,
      tenantId: d.tenantId,
      reason: `webhook delivery failed after ${attempt} attempts (last: ${code ?? o.error})`,
      attempts: attempt,
      body: { deliveryId: d.id, webhookId: w.id },
    });
    return;
  }
  await settle(db, d, { lastStatusCode: code, nextAttemptAt: Date.now() + delay * 1000 });
  throw new RetryLater(delay, `attempt ${attempt} failed (${code ?? o.error}); next in ${delay} s`);
}

registerJob(DELIVER_JOB, async (payload, message, ctx) => {
  const { deliveryId } = payload as { deliveryId?: unknown };
  if (!message.tenantId || typeof deliveryId !== "string") throw new Error("webhook.deliver needs a tenant and a delivery id");
  await deliver(message.tenantId, deliveryId, ctx);
});
