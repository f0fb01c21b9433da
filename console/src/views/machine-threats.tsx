import { Async, Badge, Panel } from "../components/panel";
import { dateTime, timeAgo } from "../lib/format";
import { useApi } from "../lib/use-api";
import { avMeshFeed, avThreats, unixMsOfZeqond, type MeshFeedResponse, type ThreatsResponse } from "./machine-api";

const REFRESH_MS = 15_000;

/** A zeqond as the API gave it, with the wall-clock time it stands for underneath. */
function Zeqond({ value }: { value: string | null }) {
  if (value === null) return <>never</>;
  const ms = unixMsOfZeqond(value);
  return (
    <>
      <span class="q-mono">{value}</span>
      <div class="muted q-small" title={dateTime(ms)}>
        {timeAgo(ms)}
      </div>
    </>
  );
}

function ThreatTable({ d }: { d: ThreatsResponse }) {
  return (
    <div class="table-wrap">
      <table data-table="machine-threats">
        <caption class="sr-only">
          Claims on {d.slug} in the last {d.window}, newest first
        </caption>
        <thead>
          <tr>
            <th scope="col">Zeqond</th>
            <th scope="col">Claim type</th>
            <th scope="col">Device</th>
            <th scope="col">s_forensic</th>
            <th scope="col">Fired</th>
            <th scope="col">Fingerprint / transition</th>
          </tr>
        </thead>
        <tbody>
          {d.threats.map((t) => (
            <tr key={t.transition_id} data-transition-id={t.transition_id}>
              <td>
                <Zeqond value={t.zeqond} />
              </td>
              <th scope="row">{t.claim_type}</th>
              <td class="q-mono">{t.device_id}</td>
              <td>{t.s_forensic}</td>
              <td>{t.fired ? <Badge tone="critical">fired</Badge> : <Badge tone="neutral">not fired</Badge>}</td>
              <td class="q-mono q-small q-break">
                {t.fingerprint}
                <div class="muted">{t.transition_id}</div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ThreatsPanel({ slug, window }: { slug: string; window: string }) {
  const state = useApi((signal) => avThreats(slug, window, signal), [slug, window], REFRESH_MS);
  const d = state.data;
  return (
    <Panel
      title={`Recent threats on ${slug}`}

      actions={
        <span class="muted q-small" aria-live="polite">
          {d ? `${d.count} claim${d.count === 1 ? "" : "s"} in ${d.window}${d.truncated ? " (newest 1000 only)" : ""}` : ""}
        </span>
      }
    >
      <Async state={state} isEmpty={(r) => r.threats.length === 0} empty={`No claims on ${slug} in the last ${window}.`}>
        {(r) => <ThreatTable d={r} />}
      </Async>
      <p class="q-hint">
        Zeqonds are the agent-claims clock (Unix seconds × 1.287); the time under each is derived from it. Refreshes every{" "}
        {REFRESH_MS / 1000} s.
      </p>
    </Panel>
  );
}

export function MeshFeedPanel({ slug }: { slug: string }) {
  const state = useApi((signal) => avMeshFeed(slug, signal), [slug], REFRESH_MS);
  return (
    <Panel title="Mesh feed">
      <p class="q-hint">Publisher machines {slug} follows, and how often each fired.</p>
      <Async
        state={state}
        isEmpty={(r: MeshFeedResponse) => r.subscriptions.length === 0}
        empty={`${slug} follows no other machine.`}
      >
        {(r) => (
          <div class="table-wrap" aria-live="polite">
            <table data-table="mesh-feed">
              <caption class="sr-only">Subscriptions of {r.slug}</caption>
              <thead>
                <tr>
                  <th scope="col">Publisher and tag</th>
                  <th scope="col">Fires</th>
                  <th scope="col">Last fired</th>
                </tr>
              </thead>
              <tbody>
                {r.subscriptions.map((s) => (
                  <tr key={`${s.publisher_slug}/${s.tag}`}>
                    <th scope="row">
                      {s.publisher_slug}
                      <div class="muted q-small q-break">{s.tag}</div>
                    </th>
                    <td>{s.fire_count}</td>
                    <td>
                      <Zeqond value={s.last_fired_zeqond} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Async>
    </Panel>
  );
}
