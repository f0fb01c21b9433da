import { z } from "@hono/zod-openapi";
import { DISTRIBUTIONS, MAX_FRAGMENTS, MAX_LIFETIME_MS, MIN_FRAGMENTS, MIN_LIFETIME_MS, MIN_THRESHOLD } from "./model";

export const FragmentRequest = z
  .object({
    data: z
      .string()
      .min(1)
      .openapi({ description: "The secret, standard padded base64; at most 1 MiB decoded", example: "c2VjcmV0IHBheWxvYWQ=" }),
    fragment_count: z.number().int().min(MIN_FRAGMENTS).max(MAX_FRAGMENTS).default(5),
    lifetime_ms: z
      .number()
      .int()
      .min(MIN_LIFETIME_MS)
      .max(MAX_LIFETIME_MS)
      .openapi({ description: "Milliseconds until every fragment is destroyed", example: 60_000 }),
    distribution: z
      .enum(DISTRIBUTIONS)
      .default("geographic")
      .openapi({ description: "`geographic` spreads fragments across Durable Object location hints; `local` uses none" }),
    encryption: z.literal("AES-256-GCM").default("AES-256-GCM"),
    redundancy: z.number().int().min(0).default(0).openapi({
      description:
        "How many fragments may be lost: any `fragment_count − redundancy` fragments reconstruct (at least 2). Default 0: all are needed.",
      example: 2,
    }),
  })
  .refine((b) => b.fragment_count - b.redundancy >= MIN_THRESHOLD, {
    path: ["redundancy"],
    message: `redundancy must leave a threshold (fragment_count − redundancy) of at least ${MIN_THRESHOLD}`,
  })
  .openapi("FragmentRequest");

const Fragment = z
  .object({
    fragment_id: z.string().openapi({ format: "uuid" }),
    location: z.string().openapi({ description: "The location hint the fragment was placed with, or `local`", example: "weur" }),
    expires_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Fragment");

export const FragmentResponse = z
  .object({
    parent_id: z.string().openapi({ format: "uuid" }),
    threshold: z.number().int().openapi({ description: "Fragments needed to reconstruct" }),
    expires_at: z.string().openapi({ format: "date-time" }),
    fragments: z.array(Fragment),
  })
  .openapi("FragmentResponse");

export const ReconstructRequest = z
  .object({
    parent_id: z.uuid(),
    validate_integrity: z.boolean().default(true).openapi({
      description: "Accepted for the seed's clients; integrity is always checked (share MACs and the AES-GCM tag)",
    }),
  })
  .openapi("ReconstructRequest");

export const ReconstructResponse = z
  .object({
    data: z.string().openapi({ description: "The secret, base64" }),
    integrity: z.literal("verified"),
    fragments_used: z.number().int(),
    tampered_fragments: z
      .array(z.string())
      .openapi({ description: "Fragments whose share or ciphertext failed its MAC or digest and were left out" }),
  })
  .openapi("ReconstructResponse");

export const ParentParams = z.object({
  parent_id: z.uuid().openapi({ param: { name: "parent_id", in: "path" } }),
});

export const LifetimeRequest = z
  .object({ additional_ms: z.number().int().min(1).max(MAX_LIFETIME_MS) })
  .openapi("FragmentLifetimeRequest");

export const LifetimeResponse = z
  .object({
    parent_id: z.string(),
    expires_at: z.string().openapi({ format: "date-time" }),
    fragments: z.array(Fragment).openapi({ description: "The live fragments, now expiring at `expires_at`" }),
    missing_fragments: z.array(z.string()).openapi({ description: "Fragments already gone, which nothing can extend" }),
  })
  .openapi("FragmentLifetimeResponse");

export type FragmentInput = z.infer<typeof FragmentRequest>;
