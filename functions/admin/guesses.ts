import { ApiError } from "../platform/errors";
import type { FixedWindow } from "../platform/rate-limit/algorithms";
import { shardName } from "../platform/rate-limit/shards";

/**
 * Wrong admin tokens per client address: after this many in a window the address is refused
 * (429) before its token is compared, so guessing stops even for a guess that would be right.
 * Only wrong tokens count: operators' scripts with the right one are never limited.
 */
export const ADMIN_GUESSES: FixedWindow = { kind: "fixed", limit: 10, windowMs: 15 * 60_000 };
const POLICY_ID = "admin-token-guesses-per-ip";

export interface Guesses {
  total: number;
  /** When the window ends, Unix ms. */
  reset: number;
}

/** Adds `n` wrong guesses (0 to read) to the address's count in the limiter object, and returns the count. */
export async function countGuesses(env: Env, ip: string, n: 0 | 1): Promise<Guesses> {
  const bucket = Math.floor(Date.now() / ADMIN_GUESSES.windowMs);
  const identifier = `ip:${ip}`;
  const limiter = env.RATE_LIMITER.getByName(shardName(POLICY_ID, identifier));
  // Fails closed, as every credential check's limit does: unlimited guessing is what this prevents.
  const totals = await limiter.addMany(ADMIN_GUESSES, bucket, [[identifier, n]]).catch(() => {
    throw new ApiError("service_unavailable", "Rate limiting is temporarily unavailable; retry shortly", undefined, {
      "Retry-After": "5",
    });
  });
  return { total: totals[identifier] ?? 0, reset: (bucket + 1) * ADMIN_GUESSES.windowMs };
}
