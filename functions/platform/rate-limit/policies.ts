import type { Tier } from "../../../schema";
import type { Principal } from "../auth/principal";
import type { Algorithm } from "./algorithms";

/**
 * What happens when the limiter's backend is down or slow: "closed" refuses (503) because
 * letting unlimited requests through would defeat the limit where it protects something
 * (credentials, commands); "open" serves the request and logs a warning (reads).
 */
export type FailMode = "open" | "closed" | "open-for-reads";

export interface Policy {
  /** Stable id: part of every counter key, and the IETF RateLimit-Policy name. */
  id: string;
  algorithm: Algorithm;
  failMode: FailMode;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const sliding = (id: string, limit: number, windowMs: number, failMode: FailMode = "closed"): Policy => ({
  id,
  failMode,
  algorithm: { kind: "sliding", limit, windowMs },
});
const fixed = (id: string, limit: number, windowMs: number, failMode: FailMode = "closed"): Policy => ({
  id,
  failMode,
  algorithm: { kind: "fixed", limit, windowMs },
});

/** The command console seed's table, exactly. */
export const COMMAND_POLICIES = {
  auth: sliding("command-auth", 5, MIN),
  events: fixed("command-events", 60, MIN, "open"),
  rotateKeys: sliding("command-rotate-keys", 10, MIN),
  isolateNode: sliding("command-isolate-node", 20, MIN),
  reroute: sliding("command-reroute", 20, MIN),
  correlate: fixed("command-correlate", 30, MIN),
  /** Not in the seed's table: the mesh's own list and edit routes. */
  mesh: fixed("command-mesh", 120, MIN, "open-for-reads"),
} as const;

/** Agent claims (the seed names no numbers): per key for claims, per caller for reads. */
export const AV_POLICIES = {
  claim: sliding("av-claim", 600, MIN),
  read: fixed("av-read", 120, MIN, "open"),
} as const;

/** Incident response seed: per authentication method, per hour. */
export const INCIDENTS_POLICIES = {
  jwt: sliding("incidents-jwt", 1000, HOUR, "open-for-reads"),
  apiKey: sliding("incidents-api-key", 5000, HOUR, "open-for-reads"),
} as const;

/** Brute-force limits on every endpoint that checks a password, code, token or client secret, per client IP. */
export const CREDENTIAL_POLICY = sliding("credentials-per-ip", 10, MIN);

/** Quantum defense seed's tiers: a token bucket (rate per second, burst as capacity) plus a daily quota. */
export const TIER_LIMITS: Record<Tier, { perSecond: number; perDay: number | null; burst: number; concurrentStreams: number }> = {
  free: { perSecond: 10, perDay: 10_000, burst: 50, concurrentStreams: 5 },
  standard: { perSecond: 100, perDay: 1_000_000, burst: 500, concurrentStreams: 50 },
  premium: { perSecond: 1000, perDay: 10_000_000, burst: 5000, concurrentStreams: 500 },
  enterprise: { perSecond: 10_000, perDay: null, burst: 50_000, concurrentStreams: 5000 },
};

export function quantumPolicies(tier: Tier, failMode: FailMode = "open-for-reads"): Policy[] {
  const t = TIER_LIMITS[tier];
  const rate: Policy = {
    id: `quantum-${tier}-rate`,
    failMode,
    algorithm: { kind: "token", maxTokens: t.burst, refillRate: t.perSecond, intervalMs: 1000 },
  };
  return t.perDay === null ? [rate] : [rate, fixed(`quantum-${tier}-daily`, t.perDay, DAY, failMode)];
}

export const incidentsPolicyFor = (p: Principal): Policy =>
  p.method === "api_key" ? INCIDENTS_POLICIES.apiKey : INCIDENTS_POLICIES.jwt;
