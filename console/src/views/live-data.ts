import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api } from "../lib/api";
import { countryName, UNKNOWN_ORIGIN } from "../lib/countries";
import { SEVERITIES } from "../lib/format";
import type { Session } from "../lib/session";
import { openEventStream, type EventStream, type StreamStatus, type ThreatEvent } from "../lib/stream";

/** The view's window: counters, map and feed cover this much, and older events age out. */
export const WINDOW_MS = 60 * 60_000;
/** History pages (500 events each) read at start; beyond this the counts say they are partial. */
const MAX_HISTORY_PAGES = 10;
/** A ceiling on what the view holds, whatever the tenant's event rate. */
const MAX_STORED = 20_000;
const TICK_MS = 10_000;

interface HistoryPage {
  events: ThreatEvent[];
  next_cursor: string | null;
}

export interface HistoryState {
  done: boolean;
  error: unknown;
  /** True when the last hour held more events than the view read. */
  truncated: boolean;
}

const rank = (severity: string) => {
  const i = SEVERITIES.indexOf(severity.toLowerCase() as (typeof SEVERITIES)[number]);
  return i < 0 ? SEVERITIES.length : i;
};

export const newestFirst = (a: ThreatEvent, b: ThreatEvent) => b.timestamp - a.timestamp || (a.id < b.id ? 1 : -1);

/** Events since `since`, newest first, following next_cursor up to the page cap. */
async function readHistory(since: number, signal: AbortSignal, add: (events: ThreatEvent[]) => void): Promise<boolean> {
  let cursor: string | null = null;
  for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
    const res: HistoryPage = await api.get<HistoryPage>("/api/events/history", { since, limit: 500, cursor }, signal);
    add(res.events);
    cursor = res.next_cursor;
    if (!cursor) return false;
  }
  return true;
}

/** The window's events by id: adding an id twice is a no-op, and a timer ages old ones out. */
function useEventStore() {
  const store = useRef(new Map<string, ThreatEvent>());
  const [version, setVersion] = useState(0);
  const [now, setNow] = useState(() => Date.now());
  const add = useCallback((events: ThreatEvent[]) => {
    const cutoff = Date.now() - WINDOW_MS;
    let changed = false;
    for (const e of events) {
      if (e.timestamp < cutoff || store.current.has(e.id)) continue;
      store.current.set(e.id, e);
      changed = true;
    }
    if (changed) setVersion((v) => v + 1);
  }, []);
  useEffect(() => {
    const tick = setInterval(() => {
      if (prune(store.current, Date.now())) setVersion((v) => v + 1);
      setNow(Date.now());
    }, TICK_MS);
    return () => clearInterval(tick);
  }, []);
  // `version` and `now` are the store's change markers: the Map itself is mutated in place.
  const events = useMemo(() => [...store.current.values()].sort(newestFirst), [version, now]);
  return { store: store.current, events, add, now };
}

/**
 * The last hour of the tenant's events: history first, then the live stream, merged by id so
 * an event seen by both counts once. A WebSocket that comes back after a drop has no
 * Last-Event-ID, so the gap is read from history; SSE resumes are replayed by the server.
 */
export function useLiveEvents(session: Session) {
  const { store, events, add, now } = useEventStore();
  const stream = useRef<EventStream | null>(null);
  const [status, setStatus] = useState<StreamStatus>({ state: "connecting", transport: "WebSocket" });
  const [history, setHistory] = useState<HistoryState>({ done: false, error: null, truncated: false });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const ctrl = new AbortController();
    setHistory({ done: false, error: null, truncated: false });
    readHistory(Date.now() - WINDOW_MS, ctrl.signal, add).then(
      (truncated) => setHistory({ done: true, error: null, truncated }),
      (error) => ctrl.signal.aborted || setHistory({ done: true, error, truncated: false }),
    );
    return () => ctrl.abort();
  }, [add, attempt]);

  useEffect(() => {
    const ctrl = new AbortController();
    stream.current = openEventStream({
      preferSse: session.method === "password",
      onEvent: (m) => add([m.event]),
      onStatus: setStatus,
      newestKnownId: () => newest(store)?.id ?? null,
      onOpen({ transport, resumed }) {
        if (!resumed || transport !== "WebSocket") return;
        // A margin before the newest event covers events stored slightly out of time order.
        const since = Math.max(Date.now() - WINDOW_MS, (newest(store)?.timestamp ?? 0) - 30_000);
        readHistory(since, ctrl.signal, add).catch((error) => ctrl.signal.aborted || setHistory((h) => ({ ...h, error })));
      },
    });
    return () => {
      ctrl.abort();
      stream.current?.close();
      stream.current = null;
    };
  }, [session.method, store, add]);

  const reconnectNow = useCallback(() => stream.current?.reconnectNow(), []);
  const retryHistory = useCallback(() => setAttempt((n) => n + 1), []);
  return { events, status, history, now, reconnectNow, retryHistory };
}

function newest(store: Map<string, ThreatEvent>): ThreatEvent | undefined {
  let best: ThreatEvent | undefined;
  for (const e of store.values()) if (!best || newestFirst(e, best) < 0) best = e;
  return best;
}

/** Drops events older than the window (and the oldest beyond the ceiling); true if any went. */
function prune(store: Map<string, ThreatEvent>, now: number): boolean {
  const before = store.size;
  const cutoff = now - WINDOW_MS;
  for (const [id, e] of store) if (e.timestamp < cutoff) store.delete(id);
  if (store.size > MAX_STORED) {
    const oldest = [...store.values()].sort(newestFirst).slice(MAX_STORED);
    for (const e of oldest) store.delete(e.id);
  }
  return store.size !== before;
}

export function severityCounts(events: ThreatEvent[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
  for (const e of events) {
    const key = e.severity.toLowerCase();
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

export interface Origin {
  code: string;
  name: string;
  count: number;
  /** The most severe severity seen from this origin. */
  severity: string;
}

/** Per-country counts, most events first; unknown origins ("ZZ") are counted apart, never placed. */
export function originStats(events: ThreatEvent[]): { origins: Origin[]; unknown: number } {
  const byCode = new Map<string, Origin>();
  let unknown = 0;
  for (const e of events) {
    const code = (e.countryCode || UNKNOWN_ORIGIN).toUpperCase();
    if (code === UNKNOWN_ORIGIN) {
      unknown++;
      continue;
    }
    const o = byCode.get(code);
    if (!o) byCode.set(code, { code, name: e.country || countryName(code), count: 1, severity: e.severity.toLowerCase() });
    else {
      o.count++;
      if (rank(e.severity) < rank(o.severity)) o.severity = e.severity.toLowerCase();
    }
  }
  const origins = [...byCode.values()].sort(
    (a, b) => b.count - a.count || rank(a.severity) - rank(b.severity) || a.name.localeCompare(b.name),
  );
  return { origins, unknown };
}
