import type { MiddlewareHandler } from "hono";
import { authenticate, principalOf } from "../platform/auth/authenticate";
import { rateLimit } from "../platform/rate-limit/middleware";
import { quantumPolicies } from "../platform/rate-limit/policies";
import type { AppEnv } from "../platform/types";
import { QUANTUM_AUDIENCE } from "./oauth-routes";

/** The seed's clients read the tier from X-RateLimit-Tier (default "standard"). */
const tierHeader: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.header("X-RateLimit-Tier", principalOf(c).tier);
  await next();
};

/**
 * Every quantum-defense route: an OAuth access token (or an HMAC-signed request from an
 * OAuth client), then the client's tier limits: a token bucket (rate per second, burst as
 * capacity) and the daily quota.
 */
export const quantumGuard = () => [
  authenticate({ jwtAudience: QUANTUM_AUDIENCE, signedRequests: true }),
  tierHeader,
  rateLimit((c) => quantumPolicies(principalOf(c).tier)),
];
