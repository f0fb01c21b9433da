import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt } from "./columns";

/** Queue messages that exhausted their retries or could never be handled. */
export const deadLetters = sqliteTable(
  "dead_letters",
  {
    id: text("id").primaryKey(),
    queue: text("queue").notNull(),
    messageId: text("message_id").notNull(),
    kind: text("kind"),
    tenantId: text("tenant_id"),
    reason: text("reason").notNull(),
    attempts: integer("attempts").notNull(),
    body: text("body").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("dead_letters_queue_message").on(t.queue, t.messageId), index("dead_letters_time").on(t.createdAt)],
);
