import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt } from "./columns";
import { tenantRef } from "./tenants";

export interface RetryPolicy {
  max_attempts: number;
  backoff_multiplier: number;
  max_backoff_seconds: number;
}

/**
 * A tenant's webhook endpoint. The signing secret must be usable to sign, so it is stored
 * AES-GCM-encrypted (a key derived from AUTH_SECRET), never in plaintext; after a rotation the
 * previous secret keeps signing alongside until `previous_secret_until`.
 */
export const webhooks = sqliteTable(
  "webhooks",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    url: text("url").notNull(),
    events: text("events", { mode: "json" }).$type<string[]>().notNull(),
    description: text("description"),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    secretCiphertext: text("secret_ciphertext").notNull(),
    previousSecretCiphertext: text("previous_secret_ciphertext"),
    previousSecretUntil: integer("previous_secret_until"),
    /** Null: the default schedule (close to Svix's). */
    retryPolicy: text("retry_policy", { mode: "json" }).$type<RetryPolicy>(),
    consecutiveFailures: integer("consecutive_failures").notNull().default(0),
    firstFailureAt: integer("first_failure_at"),
    disabledAt: integer("disabled_at"),
    disabledReason: text("disabled_reason"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("webhooks_tenant").on(t.tenantId, t.createdAt)],
);

export const DELIVERY_STATUSES = ["pending", "succeeded", "failed"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * One logical delivery of one event to one endpoint. Its id is the Standard Webhooks
 * `webhook-id`, the same on every attempt, so receivers can deduplicate; (webhook, event) is
 * unique, so a redelivered fan-out job never creates a second one.
 */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    webhookId: text("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    /** The pipeline event delivered; null for test sends and replays. */
    eventId: text("event_id"),
    eventType: text("event_type").notNull(),
    /** `data` of the payload, fixed at fan-out so every attempt sends the same facts. */
    data: text("data").notNull(),
    status: text("status", { enum: DELIVERY_STATUSES }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at"),
    lastStatusCode: integer("last_status_code"),
    replayOf: text("replay_of"),
    createdAt: createdAt(),
    completedAt: integer("completed_at"),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_event").on(t.webhookId, t.eventId),
    index("webhook_deliveries_webhook_time").on(t.webhookId, t.createdAt),
    index("webhook_deliveries_tenant_event").on(t.tenantId, t.eventId),
  ],
);

/** Every HTTP attempt of a delivery, for the delivery log. */
export const webhookAttempts = sqliteTable(
  "webhook_attempts",
  {
    deliveryId: text("delivery_id")
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    tenantId: tenantRef(),
    at: integer("at").notNull(),
    statusCode: integer("status_code"),
    latencyMs: integer("latency_ms").notNull(),
    error: text("error"),
    /** The first 1 KiB of the response body. */
    responseExcerpt: text("response_excerpt"),
    /** Seconds until the next attempt, when one was scheduled. */
    retryInSeconds: integer("retry_in_seconds"),
  },
  (t) => [uniqueIndex("webhook_attempts_delivery").on(t.deliveryId, t.attempt)],
);
