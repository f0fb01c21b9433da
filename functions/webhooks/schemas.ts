import { z } from "@hono/zod-openapi";
import { DELIVERY_STATUSES } from "../../schema";

export const RetryPolicySchema = z
  .object({
    max_attempts: z.number().int().min(1).max(10),
    backoff_multiplier: z.number().min(1).max(10),
    max_backoff_seconds: z.number().int().min(0).max(43_200),
  })
  .openapi("WebhookRetryPolicy");

const Events = z
  .array(z.string().min(1).max(100))
  .min(1)
  .max(50)
  .openapi({ description: "Catalog types, `<family>.*` wildcards, or `*`" });

export const CreateWebhookSchema = z.object({
  url: z.string().min(1).max(2048),
  events: Events,
  active: z.boolean().optional(),
  secret: z
    .string()
    .regex(/^[\x21-\x7e]{24,256}$/, "24 to 256 printable ASCII characters")
    .optional()
    .openapi({ description: "Omit to get a generated whsec_… secret (returned once)" }),
  description: z.string().max(500).nullable().optional(),
  retry_policy: RetryPolicySchema.nullable().optional(),
});

export const UpdateWebhookSchema = CreateWebhookSchema.omit({ secret: true }).partial();

export const RotateSecretSchema = z.object({ secret: CreateWebhookSchema.shape.secret });

export const WebhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    active: z.boolean(),
    description: z.string().nullable(),
    retry_policy: RetryPolicySchema.nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    health: z.object({
      consecutive_failures: z.number().int(),
      disabled_at: z.string().nullable(),
      disabled_reason: z.string().nullable(),
    }),
    previous_secret_valid_until: z.string().nullable(),
  })
  .openapi("Webhook");

export const WebhookWithSecretSchema = WebhookSchema.extend({ secret: z.string() }).openapi("WebhookWithSecret");

export const DeliverySchema = z
  .object({
    id: z.string().openapi({ description: "Also the Standard Webhooks `webhook-id`, the same on every attempt" }),
    webhook_id: z.string(),
    event: z.string(),
    event_id: z.string().nullable(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    next_attempt_at: z.string().nullable(),
    last_status_code: z.number().int().nullable(),
    replay_of: z.string().nullable(),
    created_at: z.string(),
    completed_at: z.string().nullable(),
  })
  .openapi("WebhookDelivery");

export const AttemptSchema = z
  .object({
    attempt: z.number().int(),
    at: z.string(),
    status_code: z.number().int().nullable(),
    latency_ms: z.number().int(),
    error: z.string().nullable(),
    response_excerpt: z.string().nullable(),
    retry_in_seconds: z.number().int().nullable(),
  })
  .openapi("WebhookAttempt");

export const DeliveryDetailSchema = DeliverySchema.extend({ attempt_log: z.array(AttemptSchema) }).openapi(
  "WebhookDeliveryDetail",
);

export const EventTypesSchema = z
  .object({
    event_types: z.array(z.object({ type: z.string(), description: z.string() })),
    wildcards: z.array(z.string()),
    test_event: z.string(),
  })
  .openapi("WebhookEventTypes");

export const webhookIdParam = z.string().regex(/^whk_[0-9a-f]{32}$/, "a webhook id (whk_…)");
export const deliveryIdParam = z.string().regex(/^dlv_[0-9a-f]{32}$/, "a delivery id (dlv_…)");
