export const SEVERITIES = ["critical", "high", "medium", "low"] as const;
export type Severity = (typeof SEVERITIES)[number];
export const SYSTEM_TYPES = ["grid", "lng", "access", "comms", "defense"] as const;

const rtf = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

/** "3 min ago" for a Unix-ms or ISO time. */
export function timeAgo(t: number | string | null | undefined, now = Date.now()): string {
  if (t === null || t === undefined) return "never";
  const ms = typeof t === "number" ? t : Date.parse(t);
  if (!Number.isFinite(ms)) return "unknown";
  const s = Math.round((ms - now) / 1000);
  if (Math.abs(s) < 60) return rtf.format(s, "second");
  if (Math.abs(s) < 3600) return rtf.format(Math.round(s / 60), "minute");
  if (Math.abs(s) < 86_400) return rtf.format(Math.round(s / 3600), "hour");
  return rtf.format(Math.round(s / 86_400), "day");
}

const dtf = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "medium" });

export function dateTime(t: number | string | null | undefined): string {
  if (t === null || t === undefined) return "—";
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : dtf.format(d);
}

/** Lower-cased severity (the incident family's are upper case) for CSS classes and ordering. */
export const severityKey = (s: string): string => s.toLowerCase();
