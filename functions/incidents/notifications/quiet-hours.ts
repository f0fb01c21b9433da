/** A user's quiet hours: wall-clock times in their own IANA time zone. */
export interface QuietHours {
  enabled: boolean;
  start?: string;
  end?: string;
  timezone?: string;
}

const DAY_S = 86_400;

export const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

/** True when the runtime knows the zone (the Intl database is the authority on IANA names). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Seconds since local midnight of the instant `at` in `timeZone`. */
export function localSecondOfDay(at: number, timeZone: string): number {
  let f = formatters.get(timeZone);
  if (!f) {
    // h23 so midnight reads 00, never 24.
    f = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    formatters.set(timeZone, f);
  }
  const parts = f.formatToParts(new Date(at));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return ((part("hour") % 24) * 3600 + part("minute") * 60 + part("second")) % DAY_S;
}

const secondsOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 3600 + Number(hhmm.slice(3, 5)) * 60;

/**
 * How many seconds remain of the quiet window `at` falls in, or 0 when it falls in none. A window
 * whose start is later than its end crosses midnight (22:00–08:00). The remainder is wall-clock
 * time, so across a DST change it can be an hour off; callers re-check when the hold ends.
 */
export function quietSecondsLeft(q: QuietHours | null | undefined, at: number): number {
  if (!q?.enabled || !q.start || !q.end || !q.timezone) return 0;
  const now = localSecondOfDay(at, q.timezone);
  const start = secondsOf(q.start);
  const end = secondsOf(q.end);
  if (start === end) return 0;
  const inside = start < end ? now >= start && now < end : now >= start || now < end;
  return inside ? (end - now + DAY_S) % DAY_S : 0;
}
