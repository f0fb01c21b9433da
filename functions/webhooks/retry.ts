import type { RetryPolicy } from "../../schema";

/** Delays before attempts 2…8 when an endpoint sets no policy: close to Svix's schedule. */
export const DEFAULT_SCHEDULE_SECONDS = [5, 300, 1800, 7200, 18000, 36000, 36000];
export const DEFAULT_MAX_ATTEMPTS = DEFAULT_SCHEDULE_SECONDS.length + 1;
/** With a policy, the first retry waits this long and each later one `backoff_multiplier` times longer. */
export const POLICY_BASE_SECONDS = 5;
const MAX_DELAY_SECONDS = 12 * 3600;

export const maxAttempts = (policy: RetryPolicy | null) => policy?.max_attempts ?? DEFAULT_MAX_ATTEMPTS;

/**
 * Seconds to wait after failed attempt `attempt` (1-based), with ±10 % jitter so endpoints that
 * failed together do not all retry in the same second; null when the attempts are used up.
 */
export function retryDelay(policy: RetryPolicy | null, attempt: number, random: () => number = Math.random): number | null {
  if (attempt >= maxAttempts(policy)) return null;
  const base = policy
    ? Math.min(policy.max_backoff_seconds, POLICY_BASE_SECONDS * policy.backoff_multiplier ** (attempt - 1))
    : DEFAULT_SCHEDULE_SECONDS[attempt - 1]!;
  const jittered = base * (0.9 + 0.2 * random());
  return Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.round(jittered)));
}

/**
 * `Retry-After` as seconds or an HTTP date, at most the 12 hours a queue message can wait (a
 * longer wait would outlive the retry message and leave the delivery pending for good); null
 * when absent or unreadable.
 */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Math.min(MAX_DELAY_SECONDS, Number(header.trim()));
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((at - now) / 1000)));
}
