import { z } from "@hono/zod-openapi";
import { authenticate } from "../platform/auth/authenticate";
import { INCIDENTS_AUDIENCE } from "../platform/auth/user-tokens";
import { rateLimit } from "../platform/rate-limit/middleware";
import { AV_POLICIES } from "../platform/rate-limit/policies";
import { SLUG } from "./machines";

/** Shared by the agent-claims routes. */
export const avTags = ["Endpoint agent claims"];
export const slugSchema = z.string().regex(SLUG, "a machine slug");
export const deviceIdSchema = z.string().regex(/^dev_[A-Za-z0-9_-]{1,64}$/, "a device id (dev_…)");

/**
 * The owner's cookie, or nobody at all for a public machine; the operator console's sign-in
 * (its cookie or a user's access token) counts as its user, so an owner reads from the console too.
 */
export const readerSecurity: Record<string, string[]>[] = [{ ZeqSession: [] }, { QecnetSession: [] }, { BearerJWT: [] }, {}];
const readerAuth = (optional: boolean) => authenticate({ cookie: ["zeq", "qecnet"], jwtAudience: INCIDENTS_AUDIENCE, optional });
/** The seed's read gate: anyone may ask; `requireReader` decides per machine. */
export const readerGuard = () => [readerAuth(true), rateLimit(AV_POLICIES.read)];
/** Signed in (owner cookie or the console's sign-in), for the tenant-wide machine list. */
export const memberGuard = () => [readerAuth(false), rateLimit(AV_POLICIES.read)];
