import { desc, eq } from "drizzle-orm";
import { deadLetters } from "../../schema";
import type { Database } from "./db";
import { newId } from "./ids";

export interface DeadLetterInput {
  queue: string;
  messageId: string;
  kind: string | null;
  tenantId: string | null;
  reason: string;
  attempts: number;
  body: unknown;
}

/** Idempotent per (queue, message id): a redelivered dead letter is recorded once. */
export async function recordDeadLetter(db: Database, input: DeadLetterInput): Promise<void> {
  await db
    .insert(deadLetters)
    .values({ id: newId("dlq"), ...input, body: JSON.stringify(input.body ?? null) })
    .onConflictDoNothing({ target: [deadLetters.queue, deadLetters.messageId] });
}

export async function listDeadLetters(db: Database, opts: { queue?: string; limit: number }) {
  const rows = await db
    .select()
    .from(deadLetters)
    .where(opts.queue ? eq(deadLetters.queue, opts.queue) : undefined)
    .orderBy(desc(deadLetters.createdAt), desc(deadLetters.id))
    .limit(opts.limit);
  return rows.map((r) => ({
    id: r.id,
    queue: r.queue,
    message_id: r.messageId,
    kind: r.kind,
    tenant_id: r.tenantId,
    reason: r.reason,
    attempts: r.attempts,
    body: JSON.parse(r.body) as unknown,
    created_at: new Date(r.createdAt).toISOString(),
  }));
}
