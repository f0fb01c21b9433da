import { useMemo } from "preact/hooks";
import type { ViewProps } from "../app";
import { ErrorNote, Loading, Panel } from "../components/panel";
import { SEVERITIES } from "../lib/format";
import type { StreamStatus } from "../lib/stream";
import { originStats, severityCounts, useLiveEvents } from "./live-data";
import { LiveFeed } from "./live-feed";
import { TopOrigins } from "./live-origins";
import "./live.css";

export const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The words an operator (and a screen reader) gets for the stream's state. */
export function statusText(s: StreamStatus): string {
  switch (s.state) {
    case "live":
      return `Live (${s.transport})`;
    case "connecting":
      return `Connecting (${s.transport})`;
    case "reconnecting":
      return `Reconnecting in ${s.inSeconds} s`;
    case "offline":
      return "Offline";
  }
}

/** The API's own refusal of the stream, if that is why it is down (shown as the API gave it). */
const streamFailure = (s: StreamStatus) => (s.state === "reconnecting" || s.state === "offline" ? s.failure : undefined);

function ConnectionStatus({ status, onReconnect }: { status: StreamStatus; onReconnect: () => void }) {
  const transport = status.state === "offline" ? undefined : status.transport;
  const detail = status.state === "reconnecting" || status.state === "offline" ? status.reason : null;
  const failure = streamFailure(status);
  return (
    <div class="live-connection">
      <p class="live-status" role="status" aria-live="polite" data-state={status.state} data-transport={transport}>
        <span class="live-dot" aria-hidden="true" />
        <span class="live-status-text">{statusText(status)}</span>
        {detail && !failure && <span class="muted live-status-detail"> · {detail}</span>}
      </p>
      {(status.state === "reconnecting" || status.state === "offline") && (
        <button type="button" onClick={onReconnect}>
          Reconnect now
        </button>
      )}
    </div>
  );
}

/**
 * Rolling counts for the last hour. Each tile is atomic in the live region, so a change is read
 * as "High 12" rather than a bare number.
 */
function SeverityCounters({ counts, total }: { counts: Record<string, number>; total: number }) {
  return (
    <ul class="live-counters" aria-label="Events in the last hour by severity" aria-live="polite">
      {SEVERITIES.map((s) => (
        <li key={s} class={`live-counter tone-${s}`} data-severity={s} aria-atomic="true">
          <span class="live-counter-label">{capitalise(s)}</span> <span class="live-counter-value">{counts[s] ?? 0}</span>
        </li>
      ))}
      <li class="live-counter live-counter-total" data-total="" aria-atomic="true">
        <span class="live-counter-label">All</span> <span class="live-counter-value">{total}</span>
      </li>
    </ul>
  );
}

export function LiveView({ session }: ViewProps) {
  const { events, status, history, reconnectNow, retryHistory } = useLiveEvents(session);
  const counts = useMemo(() => severityCounts(events), [events]);
  const stats = useMemo(() => originStats(events), [events]);
  const ready = history.done || events.length > 0;
  return (
    <div class="live-view">
      <h1 class="sr-only">Live threats</h1>
      <Panel title="Last hour" class="live-summary" actions={<ConnectionStatus status={status} onReconnect={reconnectNow} />}>
        {streamFailure(status) && <ErrorNote error={streamFailure(status)} />}
        {!history.done && <Loading what="Reading the last hour of events" />}
        {history.error ? (
          <div class="live-history-error">
            <p>The last hour could not be read, so these counts cover only events received since the page opened.</p>
            <ErrorNote error={history.error} />
            <button type="button" onClick={retryHistory}>
              Read the last hour again
            </button>
          </div>
        ) : null}
        {history.truncated && (
          <p class="notice">The last hour holds more events than the console reads at once: counts cover the newest ones.</p>
        )}
        <SeverityCounters counts={counts} total={events.length} />
      </Panel>
      <div class="live-layout">
        <div class="live-main">
          <TopOrigins origins={stats.origins} unknown={stats.unknown} ready={ready} />
        </div>
        <LiveFeed events={events} ready={ready} />
      </div>
    </div>
  );
}
