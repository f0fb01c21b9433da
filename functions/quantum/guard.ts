import type { MiddlewareHandler } from "hono";
import { authenticate, principalOf } from "../platform/auth/authenticate";
import { rateLimit } from "../platform/rate-limit/middleware";
import { quantumPolicies } from "../platform/rate-limit/policies";
import type { AppEnv } from "../platform/types";
import { INCIDENTS_AUDIENCE } from "../platform/auth/user-tokens";
import { QUANTUM_AUDIENCE } from "./oauth-routes";

/** The seed's clients read the tier from X-RateLimit-Tier (default "standard"). */
const tierHeader: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.header("X-RateLimit-Tier", principalOf(c).tier);
  await next();
};

/**
 * Every quantum-defense route: an OAuth access token (or an HMAC-signed request from an
 * OAuth client), then the client's tier limits: a token bucket (rate per second, burst as
 * capacity) and the daily quota. The operator console's signed-in users (session cookie or
 * a user's access token) are admitted too, held to their role's read/write ladder.
 */
export const quantumGuard = () => [
  authenticate({ jwtAudience: [QUANTUM_AUDIENCE, INCIDENTS_AUDIENCE], signedRequests: true, cookie: "qecnet" }),
  tierHeader,
  rateLimit((c) => quantumPolicies(principalOf(c).tier)),
];

/** OpenAPI security for a quantum route: the seed's two schemes, then the console's. */
export const quantumSecurity = (scope?: string): Record<string, string[]>[] => [
  { QuantumOAuth: scope ? [scope] : [] },
  { QuantumSignedRequest: [] },
  { BearerJWT: [] },
  { QecnetSession: [] },
];
