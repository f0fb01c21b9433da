import { z } from "@hono/zod-openapi";
import { authenticate } from "../platform/auth/authenticate";
import { rateLimit } from "../platform/rate-limit/middleware";
import { AV_POLICIES } from "../platform/rate-limit/policies";
import { SLUG } from "./machines";

/** Shared by the agent-claims routes. */
export const avTags = ["Endpoint agent claims"];
export const slugSchema = z.string().regex(SLUG, "a machine slug");
export const deviceIdSchema = z.string().regex(/^dev_[A-Za-z0-9_-]{1,64}$/, "a device id (dev_…)");

/** The owner's cookie, or nobody at all for a public machine. */
export const readerSecurity: Record<string, string[]>[] = [{ ZeqSession: [] }, {}];
/** The seed's read gate: anyone may ask; `requireReader` decides per machine. */
export const readerGuard = () => [authenticate({ cookie: "zeq", optional: true }), rateLimit(AV_POLICIES.read)];
