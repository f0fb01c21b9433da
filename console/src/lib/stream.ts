import { api, ApiFailure, authHeaders, messageOf } from "./api";
import { readServerSentEvents } from "./live-sse";

/** The command console seed's ThreatEvent, as /api/events/history and the stream carry it. */
export interface ThreatEvent {
  id: string;
  /** Unix milliseconds. */
  timestamp: number;
  country: string;
  /** ISO 3166-1 alpha-2; "ZZ" when the origin is unknown. */
  countryCode: string;
  system: string;
  systemType: string;
  severity: string;
  description: string;
}

/** One stream message: the pipeline's envelope around a ThreatEvent. */
export interface LiveMessage {
  kind: "event";
  type: string;
  severity: string;
  source: string;
  event: ThreatEvent;
}

export type Transport = "WebSocket" | "SSE";

export type StreamStatus =
  | { state: "connecting"; transport: Transport }
  | { state: "live"; transport: Transport }
  | { state: "reconnecting"; transport: Transport; inSeconds: number; reason: string; failure?: ApiFailure }
  | { state: "offline"; reason: string; failure?: ApiFailure };

export interface StreamOptions {
  /**
   * Password sessions hold their access token in memory, and a browser cannot put an
   * Authorization header on a WebSocket or EventSource: they read SSE through fetch().
   */
  preferSse: boolean;
  onEvent(message: LiveMessage): void;
  onStatus(status: StreamStatus): void;
  /**
   * The newest event the caller already holds (from history), for an SSE resume before the
   * stream itself has delivered anything: the server replays what came after it.
   */
  newestKnownId?(): string | null;
  /** `resumed` is true on every connection after the first (the caller may backfill the gap). */
  onOpen?(info: { transport: Transport; resumed: boolean }): void;
}

export interface EventStream {
  close(): void;
  /** Skips a pending backoff and connects at once. */
  reconnectNow(): void;
}

const PATH = "/api/events/stream";
const BASE_DELAY_MS = 1000;
const MAX_DELAY_MS = 30_000;
/** Consecutive WebSocket failures before falling back to SSE for the rest of the view's life. */
const WS_FAILURES_BEFORE_SSE = 3;
/** A connection that stayed up this long resets the backoff; a shorter one counts as a failure. */
const STABLE_MS = 10_000;
/** The tenant hub answers "ping" with "pong"; silence this long means a dead socket. */
const PING_EVERY_MS = 20_000;
const SILENCE_LIMIT_MS = 45_000;

/** Exponential backoff with "equal jitter": never shorter than half the step, so retries stay spread out. */
export function backoffMs(failures: number, random: () => number = Math.random): number {
  const step = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(step / 2 + (random() * step) / 2);
}

function parseMessage(raw: string): LiveMessage | null {
  try {
    const m = JSON.parse(raw) as Partial<LiveMessage>;
    return m && m.kind === "event" && m.event && typeof m.event.id === "string" ? (m as LiveMessage) : null;
  } catch {
    return null;
  }
}

/**
 * One live subscription to the tenant's events. WebSocket first (a code sign-in's HttpOnly cookie
 * rides along), reconnecting with capped, jittered backoff; SSE over fetch() for password sessions
 * or after repeated WebSocket failures, resuming with Last-Event-ID so the server replays the gap.
 */
class LiveStream implements EventStream {
  private transport: Transport;
  private closed = false;
  private failures = 0;
  private wsFailures = 0;
  private unauthorizedInRow = 0;
  private opened = false;
  private lastEventId: string | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private teardown: (() => void) | null = null;
  // Each attempt has a number; callbacks from a superseded attempt (after reconnectNow, offline) are ignored.
  private generation = 0;

  constructor(private readonly opts: StreamOptions) {
    this.transport = opts.preferSse ? "SSE" : "WebSocket";
    window.addEventListener("offline", this.goneOffline);
    window.addEventListener("online", this.backOnline);
    this.connect();
  }

  close(): void {
    this.closed = true;
    this.stop();
    window.removeEventListener("offline", this.goneOffline);
    window.removeEventListener("online", this.backOnline);
  }

  reconnectNow(): void {
    if (this.closed) return;
    this.failures = 0;
    this.unauthorizedInRow = 0;
    this.connect();
  }

  private readonly goneOffline = () => {
    this.generation++;
    this.stop();
    this.opts.onStatus({ state: "offline", reason: "The browser is offline" });
  };

  private readonly backOnline = () => {
    this.failures = 0;
    this.connect();
  };

  private stop() {
    clearTimeout(this.retryTimer);
    this.teardown?.();
    this.teardown = null;
  }

  private connect() {
    const gen = ++this.generation;
    this.stop();
    if (this.closed) return;
    if (!navigator.onLine) return this.opts.onStatus({ state: "offline", reason: "The browser is offline" });
    this.opts.onStatus({ state: "connecting", transport: this.transport });
    if (this.transport === "WebSocket") this.connectWebSocket(gen);
    else this.connectSse(gen);
  }

  private deliver(raw: string) {
    const m = parseMessage(raw);
    if (!m) return;
    this.lastEventId = m.event.id;
    this.opts.onEvent(m);
  }

  private markOpen() {
    this.unauthorizedInRow = 0;
    this.opts.onStatus({ state: "live", transport: this.transport });
    this.opts.onOpen?.({ transport: this.transport, resumed: this.opened });
    this.opened = true;
  }

  /** Both transports end here: count the failure, maybe switch to SSE, then wait and retry. */
  private lost(gen: number, openedAt: number | null, reason: string, failure?: ApiFailure, minDelayMs = 0) {
    if (this.closed || gen !== this.generation) return;
    this.teardown = null;
    // A socket that opens and drops at once (a proxy that accepts the upgrade, then cuts it) fails like a refused one.
    const stable = openedAt !== null && Date.now() - openedAt >= STABLE_MS;
    if (stable) this.failures = this.wsFailures = 0;
    this.failures++;
    if (this.transport === "WebSocket" && !stable && ++this.wsFailures >= WS_FAILURES_BEFORE_SSE) this.transport = "SSE";
    if (!navigator.onLine) return this.opts.onStatus({ state: "offline", reason: "The browser is offline" });
    const delay = Math.max(minDelayMs, backoffMs(this.failures));
    this.opts.onStatus({ state: "reconnecting", transport: this.transport, inSeconds: Math.ceil(delay / 1000), reason, failure });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private connectWebSocket(gen: number) {
    const url = new URL(PATH, location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(url);
    let openedAt: number | null = null;
    let lastHeard = Date.now();
    let pinger: ReturnType<typeof setInterval> | undefined;
    const stop = () => {
      clearInterval(pinger);
      ws.onopen = ws.onmessage = ws.onclose = null;
      if (ws.readyState <= WebSocket.OPEN) ws.close(1000, "done");
    };
    ws.onopen = () => {
      openedAt = lastHeard = Date.now();
      pinger = setInterval(() => {
        if (Date.now() - lastHeard > SILENCE_LIMIT_MS) return ws.close(4000, "silent");
        ws.send("ping");
      }, PING_EVERY_MS);
      this.markOpen();
    };
    ws.onmessage = (m) => {
      lastHeard = Date.now();
      if (m.data !== "pong") this.deliver(String(m.data));
    };
    ws.onclose = (e) => {
      stop();
      const reason = `WebSocket closed (${e.code}${e.reason ? `: ${e.reason}` : ""})`;
      // A refused upgrade hides its status from scripts; a cheap request lets the api layer
      // notice an ended session (it signs out, and this view unmounts) instead of looping.
      if (openedAt === null) void checkSession().finally(() => this.lost(gen, openedAt, reason));
      else this.lost(gen, openedAt, reason);
    };
    this.teardown = stop;
  }

  private connectSse(gen: number) {
    const ctrl = new AbortController();
    let openedAt: number | null = null;
    this.teardown = () => ctrl.abort();
    const headers: Record<string, string> = { Accept: "text/event-stream", ...authHeaders() };
    const resumeFrom = this.lastEventId ?? (this.opened ? (this.opts.newestKnownId?.() ?? null) : null);
    if (resumeFrom) headers["Last-Event-ID"] = resumeFrom;
    fetch(PATH, { headers, credentials: "same-origin", cache: "no-store", signal: ctrl.signal })
      .then(async (res) => {
        if (!res.ok) return await this.refused(gen, res);
        openedAt = Date.now();
        this.markOpen();
        await readServerSentEvents(res.body!, (m) => {
          if (m.id) this.lastEventId = m.id;
          if (m.event === "event") this.deliver(m.data);
        });
        this.lost(gen, openedAt, "The event stream ended");
      })
      .catch((err: unknown) => {
        if (!ctrl.signal.aborted) this.lost(gen, openedAt, err instanceof Error ? err.message : String(err));
      });
  }

  /** A non-2xx answer to the SSE request: the API's own error, and what to do about it. */
  private async refused(gen: number, res: Response) {
    const body = await res.json().catch(() => null);
    const { code, message } = messageOf(body);
    const failure = new ApiFailure(res.status, code, message ?? `${res.status} ${res.statusText}`, body);
    if (res.status === 401) {
      // The api layer refreshes a password session's token or signs the session out; a second
      // 401 straight after means the stream itself is refused: stop rather than loop.
      if (++this.unauthorizedInRow >= 2) return this.finish(gen, failure);
      await checkSession();
      return this.lost(gen, null, "The session was refused", failure);
    }
    if (res.status === 429 || res.status >= 500) {
      const retryAfter = Number(res.headers.get("Retry-After"));
      return this.lost(gen, null, failure.message, failure, Number.isFinite(retryAfter) ? retryAfter * 1000 : 0);
    }
    this.finish(gen, failure);
  }

  /** Refused for good (400, 403, a repeated 401): stay offline until the operator retries. */
  private finish(gen: number, failure: ApiFailure) {
    if (this.closed || gen !== this.generation) return;
    this.teardown = null;
    this.opts.onStatus({ state: "offline", reason: failure.message, failure });
  }
}

export const openEventStream = (opts: StreamOptions): EventStream => new LiveStream(opts);

/**
 * Any 401 here goes through the api layer, which refreshes the token or ends the session. The
 * check is bounded so a hung request cannot stall the stream's own retries.
 */
async function checkSession(): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, 10_000)));
  try {
    await Promise.race([api.get("/auth/me"), timeout]);
  } catch {
    // Network trouble or an ended session: the caller's backoff or the sign-out handles it.
  } finally {
    clearTimeout(timer);
  }
}
