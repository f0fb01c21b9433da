/**
 * The three limiting algorithms, as @upstash/ratelimit defines them (single region), so the
 * embedded Durable Object backend reaches the same decisions as Upstash for the same trace.
 */
export type Algorithm =
  | { kind: "fixed"; limit: number; windowMs: number }
  | { kind: "sliding"; limit: number; windowMs: number }
  | { kind: "token"; maxTokens: number; refillRate: number; intervalMs: number };

export interface LimitResult {
  success: boolean;
  limit: number;
  remaining: number;
  /** Epoch milliseconds when the limit next frees up. */
  reset: number;
}

/** Key-value counters with expiry: what Redis gives Upstash and SQLite gives the Durable Object. */
export interface CounterStore {
  get(key: string): number | null;
  set(key: string, value: number, expiresAt: number): void;
}

export const capacity = (a: Algorithm) => (a.kind === "token" ? a.maxTokens : a.limit);

function fixed(store: CounterStore, a: Extract<Algorithm, { kind: "fixed" }>, now: number): LimitResult {
  const bucket = Math.floor(now / a.windowMs);
  const key = `f:${bucket}`;
  const used = (store.get(key) ?? 0) + 1;
  store.set(key, used, now + a.windowMs);
  return { success: used <= a.limit, limit: a.limit, remaining: Math.max(0, a.limit - used), reset: (bucket + 1) * a.windowMs };
}

function sliding(store: CounterStore, a: Extract<Algorithm, { kind: "sliding" }>, now: number): LimitResult {
  const current = Math.floor(now / a.windowMs);
  const reset = (current + 1) * a.windowMs;
  const inCurrent = store.get(`s:${current}`) ?? 0;
  const inPrevious = Math.floor((1 - (now % a.windowMs) / a.windowMs) * (store.get(`s:${current - 1}`) ?? 0));
  if (inPrevious + inCurrent >= a.limit) return { success: false, limit: a.limit, remaining: 0, reset };
  const next = inCurrent + 1;
  store.set(`s:${current}`, next, now + a.windowMs * 2 + 1000);
  const remaining = a.limit - (next + inPrevious);
  return { success: remaining >= 0, limit: a.limit, remaining: Math.max(0, remaining), reset };
}

function token(store: CounterStore, a: Extract<Algorithm, { kind: "token" }>, now: number): LimitResult {
  let refilledAt = store.get("t:refilledAt") ?? now;
  let tokens = store.get("t:tokens") ?? a.maxTokens;
  if (now >= refilledAt + a.intervalMs) {
    const refills = Math.floor((now - refilledAt) / a.intervalMs);
    tokens = Math.min(a.maxTokens, tokens + refills * a.refillRate);
    refilledAt += refills * a.intervalMs;
  }
  const reset = refilledAt + a.intervalMs;
  if (tokens < 1) return { success: false, limit: a.maxTokens, remaining: 0, reset };
  const remaining = tokens - 1;
  const expireAt = now + Math.ceil((a.maxTokens - remaining) / a.refillRate) * a.intervalMs;
  store.set("t:refilledAt", refilledAt, expireAt);
  store.set("t:tokens", remaining, expireAt);
  return { success: true, limit: a.maxTokens, remaining, reset };
}

export type FixedWindow = Extract<Algorithm, { kind: "fixed" }>;
export type Window = Extract<Algorithm, { kind: "fixed" | "sliding" }>;

/**
 * Grants up to `want` permits of the current window at once, counting them all as used now.
 * A caller that spends them later, within the same window, can never exceed the limit: for a
 * sliding window the previous window's weight only falls as the window goes on, so judging it
 * at lease time is the stricter reading. Permits never spent are lost, which only errs toward
 * denying.
 */
export function leaseWindow(store: CounterStore, a: Window, want: number, now: number): LimitResult & { granted: number } {
  const bucket = Math.floor(now / a.windowMs);
  const sliding = a.kind === "sliding";
  const key = `${sliding ? "s" : "f"}:${bucket}`;
  const used = store.get(key) ?? 0;
  const previous = sliding ? Math.floor((1 - (now % a.windowMs) / a.windowMs) * (store.get(`s:${bucket - 1}`) ?? 0)) : 0;
  const granted = Math.max(0, Math.min(want, a.limit - used - previous));
  if (granted > 0) store.set(key, used + granted, now + a.windowMs * (sliding ? 2 : 1) + (sliding ? 1000 : 0));
  const remaining = Math.max(0, a.limit - used - previous - granted);
  return { success: granted > 0, granted, limit: a.limit, remaining, reset: (bucket + 1) * a.windowMs };
}

/** Adds `n` already-served requests to one fixed window's count; returns the window's total. */
export function addFixed(store: CounterStore, a: FixedWindow, bucket: number, n: number): number {
  const key = `f:${bucket}`;
  const used = (store.get(key) ?? 0) + n;
  store.set(key, used, (bucket + 1) * a.windowMs);
  return used;
}

export function applyAlgorithm(store: CounterStore, a: Algorithm, now: number): LimitResult {
  if (a.kind === "fixed") return fixed(store, a, now);
  if (a.kind === "sliding") return sliding(store, a, now);
  return token(store, a, now);
}
