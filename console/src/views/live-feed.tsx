import { useMemo, useState } from "preact/hooks";
import { Async, Badge, Empty, Panel } from "../components/panel";
import { dateTime, SEVERITIES, SYSTEM_TYPES } from "../lib/format";
import type { ThreatEvent } from "../lib/stream";

/** The feed shows the newest events up to this many; counters and the map still cover the whole hour. */
export const FEED_CAP = 200;

const SEVERITY_LABELS: Record<string, string> = { critical: "Critical", high: "High", medium: "Medium", low: "Low" };
const SYSTEM_LABELS: Record<string, string> = { grid: "Grid", lng: "LNG", access: "Access", comms: "Comms", defense: "Defense" };

const clock = new Intl.DateTimeFormat("en", { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });

function CheckboxGroup(props: {
  legend: string;
  options: readonly string[];
  labels: Record<string, string>;
  chosen: Set<string>;
  onChange: (next: Set<string>) => void;
}) {
  const toggle = (value: string, on: boolean) => {
    const next = new Set(props.chosen);
    if (on) next.add(value);
    else next.delete(value);
    props.onChange(next);
  };
  return (
    <fieldset class="live-checks">
      <legend>{props.legend}</legend>
      {props.options.map((value) => (
        <label key={value}>
          <input
            type="checkbox"
            name={props.legend}
            value={value}
            checked={props.chosen.has(value)}
            onChange={(e) => toggle(value, e.currentTarget.checked)}
          />
          {props.labels[value] ?? value}
        </label>
      ))}
    </fieldset>
  );
}

function FeedItem({ event: e }: { event: ThreatEvent }) {
  const severity = e.severity.toLowerCase();
  return (
    <li class="feed-item" data-event-id={e.id} data-severity={severity} data-system-type={e.systemType}>
      <div class="feed-line">
        <Badge tone={severity}>{SEVERITY_LABELS[severity] ?? e.severity}</Badge>
        <time dateTime={new Date(e.timestamp).toISOString()} title={dateTime(e.timestamp)}>
          {clock.format(e.timestamp)}
        </time>
        <span class="feed-origin">
          <span class="sr-only">from </span>
          {e.countryCode === "ZZ" ? "Unknown origin" : e.country}
        </span>
      </div>
      <div class="feed-system">
        <span class="sr-only">on </span>
        {e.system} <span class="muted">({SYSTEM_LABELS[e.systemType] ?? e.systemType})</span>
      </div>
      <p class="feed-desc">{e.description}</p>
    </li>
  );
}

function countLine(shown: number, matching: number, filtered: boolean): string {
  const what = `${filtered ? "matching " : ""}${matching === 1 ? "event" : "events"} in the last hour`;
  return shown < matching ? `Newest ${shown} of ${matching} ${what}` : `${matching} ${what}`;
}

/**
 * The newest events, filtered by severity and system type. Filtering happens here, not by
 * re-subscribing with ?severity=&systemType=: the counters and the map need every event anyway,
 * one subscription holds one of the tier's few stream slots and never churns against the
 * 60-a-minute limit, and a filter change applies at once to events already received.
 */
export function LiveFeed({ events, ready }: { events: ThreatEvent[]; ready: boolean }) {
  const [severities, setSeverities] = useState<Set<string>>(() => new Set(SEVERITIES));
  const [types, setTypes] = useState<Set<string>>(() => new Set(SYSTEM_TYPES));
  const { shown, matching } = useMemo(() => {
    const all = events.filter((e) => severities.has(e.severity.toLowerCase()) && types.has(e.systemType));
    return { shown: all.slice(0, FEED_CAP), matching: all.length };
  }, [events, severities, types]);
  const filtered = severities.size < SEVERITIES.length || types.size < SYSTEM_TYPES.length;
  const reset = () => {
    setSeverities(new Set(SEVERITIES));
    setTypes(new Set(SYSTEM_TYPES));
  };
  return (
    <Panel title="Live event feed" class="live-feed-panel">
      <div class="live-filters">
        <CheckboxGroup
          legend="Severity"
          options={SEVERITIES}
          labels={SEVERITY_LABELS}
          chosen={severities}
          onChange={setSeverities}
        />
        <CheckboxGroup legend="System type" options={SYSTEM_TYPES} labels={SYSTEM_LABELS} chosen={types} onChange={setTypes} />
        {filtered && (
          <button type="button" onClick={reset}>
            Show all events
          </button>
        )}
      </div>
      <Async state={{ data: ready ? shown : undefined, error: null, loading: false }} isEmpty={() => false}>
        {(items) => (
          <>
            {items.length > 0 && <p class="muted live-feed-count">{countLine(items.length, matching, filtered)}</p>}
            {/* The list stays mounted even when empty, so the live region exists before events arrive. */}
            <ol class="feed" aria-label="Live event feed" aria-live="polite" aria-relevant="additions" tabIndex={0}>
              {items.map((e) => (
                <FeedItem key={e.id} event={e} />
              ))}
            </ol>
            {items.length === 0 && (
              <Empty>
                {events.length && filtered
                  ? "No events in the last hour match these filters."
                  : "No events to show yet; new ones appear here as they arrive."}
              </Empty>
            )}
          </>
        )}
      </Async>
    </Panel>
  );
}
