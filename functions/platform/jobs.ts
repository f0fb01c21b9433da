import { z } from "@hono/zod-openapi";
import { database, type Database } from "./db";
import { recordDeadLetter } from "./dead-letters";
import { describeError, type Logger } from "./log";

/** Every message on EVENTS and WEBHOOKS has this shape; `kind` picks the handler. */
export const JobMessageSchema = z.object({
  kind: z.string().min(1).max(100),
  tenantId: z.string().max(100).nullable(),
  payload: z.unknown(),
  enqueuedAt: z.number(),
});
export type JobMessage = z.infer<typeof JobMessageSchema>;

export interface JobContext {
  env: Env;
  db: Database;
  log: Logger;
  attempt: number;
}

export type JobHandler = (payload: unknown, message: JobMessage, ctx: JobContext) => Promise<void>;

const handlers = new Map<string, JobHandler>();

/** Families register their handlers at module load; a kind has exactly one handler. */
export function registerJob(kind: string, handler: JobHandler): void {
  if (handlers.has(kind)) throw new Error(`job kind '${kind}' is already registered`);
  handlers.set(kind, handler);
}

export function jobMessage(kind: string, tenantId: string | null, payload: unknown): JobMessage {
  return { kind, tenantId, payload, enqueuedAt: Date.now() };
}

/** Thrown by a handler that wants its message again after a delay it chose (e.g. a webhook's retry schedule). */
export class RetryLater extends Error {
  constructor(
    readonly delaySeconds: number,
    reason: string,
  ) {
    super(reason);
    this.name = "RetryLater";
  }
}

/** Queues cap a message's delay at 12 hours. */
export const MAX_QUEUE_DELAY_SECONDS = 12 * 3600;

/** Retry delay: 2^(attempt-1) seconds, capped at five minutes. */
export const retryDelaySeconds = (attempt: number) => Math.min(2 ** Math.max(0, attempt - 1), 300);

const isDeadLetterQueue = (queue: string) => queue.endsWith("-dlq");

/**
 * Queues whose messages are independent of each other are worked concurrently within a batch
 * (webhook deliveries wait on remote endpoints); the pipeline's own jobs run in order.
 */
const CONCURRENT_QUEUES = new Set(["vigil-webhooks"]);

/**
 * Consumes a batch from any Vigil queue. A message that can never succeed (bad shape,
 * unknown kind) is recorded as a dead letter at once instead of burning retries; a
 * handler failure retries with backoff until the queue moves it to its DLQ, whose
 * consumer records it.
 */
export async function consumeBatch(batch: MessageBatch<unknown>, env: Env, log: Logger): Promise<void> {
  const db = database(env.DB);
  const one = (message: Message<unknown>) => consumeMessage(batch.queue, message, { env, db, log });
  if (CONCURRENT_QUEUES.has(batch.queue)) await Promise.all(batch.messages.map(one));
  else for (const message of batch.messages) await one(message);
}

async function consumeMessage(queue: string, message: Message<unknown>, ctx: Omit<JobContext, "attempt">): Promise<void> {
  const { db, log } = ctx;
  const dead = (reason: string, parsed?: JobMessage) =>
    recordDeadLetter(db, {
      queue,
      messageId: message.id,
      kind: parsed?.kind ?? null,
      tenantId: parsed?.tenantId ?? null,
      reason,
      attempts: message.attempts,
      body: message.body,
    });
  const parsed = JobMessageSchema.safeParse(message.body);
  if (isDeadLetterQueue(queue)) {
    await dead("retries exhausted", parsed.success ? parsed.data : undefined);
    return message.ack();
  }
  if (!parsed.success) {
    await dead("malformed job message");
    return message.ack();
  }
  const handler = handlers.get(parsed.data.kind);
  if (!handler) {
    await dead(`no handler for job kind '${parsed.data.kind}'`, parsed.data);
    return message.ack();
  }
  try {
    await handler(parsed.data.payload, parsed.data, { ...ctx, attempt: message.attempts });
    message.ack();
  } catch (err) {
    if (err instanceof RetryLater)
      return message.retry({ delaySeconds: Math.min(MAX_QUEUE_DELAY_SECONDS, Math.max(0, Math.round(err.delaySeconds))) });
    log.warn("job failed", {
      queue,
      kind: parsed.data.kind,
      message_id: message.id,
      attempt: message.attempts,
      error: describeError(err),
    });
    message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
  }
}
