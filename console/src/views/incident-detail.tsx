import { useCallback, useState } from "preact/hooks";
import type { ViewProps } from "../app";
import { Async, Badge } from "../components/panel";
import { RemediationList } from "../components/remediation-list";
import { RemediationPanel } from "../components/remediation-panel";
import { api } from "../lib/api";
import { severityKey } from "../lib/format";
import { Link } from "../lib/router";
import { useApi } from "../lib/use-api";
import { IncidentAnalysis } from "./incident-analysis";
import { IncidentLifecycle } from "./incident-lifecycle";
import { IncidentFields, IncidentTimeline } from "./incident-summary";
import type { IncidentDetail, Recommendation, RemediationDraft } from "./incident-types";
import { quiet } from "./incident-ui";
import "./incidents.css";

/** Often enough that a second responder sees a new request, or a requester sees it approved, without reloading. */
const REFRESH_MS = 10_000;

function Header({ i, loading, reload }: { i: IncidentDetail; loading: boolean; reload: () => void }) {
  return (
    <header class="inc-header span-12">
      <p class="inc-back">
        <Link href="/incidents">← All incidents</Link>
      </p>
      <h1>
        {i.incident_id} <span class="muted">{i.type}</span>
      </h1>
      <p class="inc-badges">
        <Badge tone={severityKey(i.severity)}>{i.severity}</Badge> <Badge tone={i.status}>{i.status}</Badge>
        <button type="button" onClick={reload} disabled={loading}>
          {loading ? "Refreshing…" : "Refresh incident"}
        </button>
      </p>
    </header>
  );
}

function Detail({ props, i, reload, loading }: { props: ViewProps; i: IncidentDetail; reload: () => void; loading: boolean }) {
  const [draft, setDraft] = useState<RemediationDraft | null>(null);
  const use = useCallback(
    (r: Recommendation) => setDraft((d) => ({ action: r.action, parameters: r.parameters, nonce: (d?.nonce ?? 0) + 1 })),
    [],
  );
  const { session } = props;
  return (
    <div class="grid inc-detail">
      <Header i={i} loading={loading} reload={reload} />
      <div class="span-8 inc-col">
        <IncidentFields i={i} />
        <IncidentTimeline i={i} />
      </div>
      <IncidentLifecycle session={session} incident={i} onChanged={reload} />
      <IncidentAnalysis session={session} incident={i} onEnded={reload} onUse={use} />
      <RemediationList session={session} incident={i} onChanged={reload} />
      <RemediationPanel session={session} incidentRef={i.incident_id} draft={draft} onChanged={reload} />
    </div>
  );
}

export function IncidentDetailView(props: ViewProps) {
  const id = props.params.id ?? "";
  const state = useApi(
    (signal) => api.get<{ incident: IncidentDetail }>(`/api/v1/incidents/${encodeURIComponent(id)}`, undefined, signal),
    [id],
    REFRESH_MS,
  );
  return (
    <>
      {!state.data && (
        <p class="inc-back">
          <Link href="/incidents">← All incidents</Link>
        </p>
      )}
      <Async state={quiet(state)}>
        {(d) => <Detail props={props} i={d.incident} reload={state.reload} loading={state.loading} />}
      </Async>
    </>
  );
}
