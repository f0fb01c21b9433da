import { Async, Badge, Empty, Panel } from "../components/panel";
import { mapSummary, onMap, WorldMap } from "../components/world-map";
import type { Origin } from "./live-data";

const TOP = 10;

const label = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function OriginsTable({ origins, unknown }: { origins: Origin[]; unknown: number }) {
  const shown = origins.slice(0, TOP);
  const rest = origins.length - shown.length;
  return (
    <div class="table-wrap">
      <table class="live-origins-table">
        <caption class="sr-only">Top origins in the last hour, most events first</caption>
        <thead>
          <tr>
            <th scope="col">Country</th>
            <th scope="col" class="num">
              Events
            </th>
            <th scope="col">Most severe</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((o) => (
            <tr key={o.code} data-country={o.code}>
              <th scope="row">
                {o.name}
                {!onMap(o.code) && <span class="muted"> (not on the map)</span>}
              </th>
              <td class="num">{o.count}</td>
              <td>
                <Badge tone={o.severity}>{label(o.severity)}</Badge>
              </td>
            </tr>
          ))}
          {unknown > 0 && (
            <tr data-country="ZZ">
              <th scope="row">Unknown origin</th>
              <td class="num">{unknown}</td>
              <td>
                <span class="muted">not placed on the map</span>
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {rest > 0 && (
        <p class="muted">
          And {rest} more {rest === 1 ? "country" : "countries"}.
        </p>
      )}
    </div>
  );
}

/** The map and, beside it, the same origins as a table (the map's text equivalent). */
export function TopOrigins({ origins, unknown, ready }: { origins: Origin[]; unknown: number; ready: boolean }) {
  const state = { data: ready ? { origins, unknown } : undefined, error: null, loading: false };
  const empty = "No events to show yet; origins appear here as events arrive.";
  return (
    <>
      <Panel title="Threat origins" class="live-map-panel">
        {/* An empty map still orients the operator, so it shows with the empty note under it. */}
        <Async state={state} isEmpty={() => false}>
          {(d) => (
            <>
              <WorldMap origins={d.origins} unknown={d.unknown} />
              {d.origins.length || d.unknown ? (
                <p class="muted live-map-summary">{mapSummary(d.origins, d.unknown)}.</p>
              ) : (
                <Empty>{empty}</Empty>
              )}
            </>
          )}
        </Async>
      </Panel>
      <Panel title="Top origins" class="live-origins-panel">
        <Async state={state} isEmpty={(d) => d.origins.length === 0 && d.unknown === 0} empty={empty}>
          {(d) => <OriginsTable origins={d.origins} unknown={d.unknown} />}
        </Async>
      </Panel>
    </>
  );
}
