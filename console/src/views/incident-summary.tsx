import { Badge, Empty, Panel, ResultBlock } from "../components/panel";
import { dateTime, severityKey } from "../lib/format";
import type { IncidentDetail } from "./incident-types";
import { Facts, When } from "./incident-ui";

/** The incident's own fields, as the API gave them. */
export function IncidentFields({ i }: { i: IncidentDetail }) {
  return (
    <Panel title="Details">
      <Facts
        items={[
          ["Number", <code>{i.incident_id}</code>],
          ["Id", <code>{i.id}</code>],
          ["Type", i.type],
          [
            "Severity",
            <span data-testid="incident-severity">
              <Badge tone={severityKey(i.severity)}>{i.severity}</Badge>
            </span>,
          ],
          [
            "Status",
            <span data-testid="incident-status" data-status={i.status}>
              <Badge tone={i.status}>{i.status}</Badge>
            </span>,
          ],
          ["Assigned to", i.assigned_to],
          ["Description", i.description],
          ["Affected resources", i.affected_resources.length ? i.affected_resources.join(", ") : null],
          ["Occurrences", String(i.occurrences)],
          ["Dedup key", i.dedup_key && <code>{i.dedup_key}</code>],
          ["Created", dateTime(i.created_at)],
          ["Updated", dateTime(i.updated_at)],
          ["Resolved", i.resolved_at && dateTime(i.resolved_at)],
          ["Resolution notes", i.resolution_notes],
        ]}
      />
      <details>
        <summary>Metadata</summary>
        <ResultBlock label="Metadata" value={i.metadata} />
      </details>
    </Panel>
  );
}

/** Oldest first, as the API orders it; new entries are announced as they arrive. */
export function IncidentTimeline({ i }: { i: IncidentDetail }) {
  return (
    <Panel title="Timeline" class="inc-timeline-panel">
      {i.timeline.length === 0 ? (
        <Empty>No timeline entries.</Empty>
      ) : (
        <ol
          class="inc-timeline"
          tabIndex={0}
          aria-label="Timeline entries, oldest first"
          aria-live="polite"
          aria-relevant="additions"
          data-testid="incident-timeline"
        >
          {i.timeline.map((t, k) => (
            <li key={k} data-event={t.event}>
              <div class="inc-tl-head">
                <strong>{t.event}</strong>
                <span class="muted">
                  {" "}
                  · {t.agent} · <When at={t.timestamp} />
                </span>
              </div>
              <div class="inc-tl-details">{t.details}</div>
            </li>
          ))}
        </ol>
      )}
    </Panel>
  );
}
