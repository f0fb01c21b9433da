import { useEffect, useRef, useState } from "preact/hooks";
import { Async, Badge, Panel, ResultBlock } from "../components/panel";
import { api } from "../lib/api";
import { dateTime } from "../lib/format";
import type { Session } from "../lib/session";
import { useApi } from "../lib/use-api";
import { canAnalyze } from "./incident-access";
import { AnalysisResultsView } from "./incident-analysis-results";
import type { Analysis, AnalyzeAccepted, IncidentDetail, Recommendation } from "./incident-types";
import { ApiErrorNote, GatedButton, quiet, useAction } from "./incident-ui";

const POLL_MS = 2_000;
const TYPES = ["root_cause", "threat_assessment", "impact", "full"];
const URGENCIES = ["low", "medium", "high", "critical"];
const ANALYSIS_ID = /\bana_[0-9a-f]{32}\b/;

/**
 * The analysis to show on arrival: the latest one started (its timeline entry names it, so one
 * still running is picked up after a reload), else the one the incident's summary names.
 */
export function latestAnalysisId(i: IncidentDetail): string | null {
  for (let k = i.timeline.length - 1; k >= 0; k--) {
    const t = i.timeline[k]!;
    const m = t.event === "Analysis started" ? ANALYSIS_ID.exec(t.details) : null;
    if (m) return m[0];
  }
  return typeof i.analysis?.analysis_id === "string" ? i.analysis.analysis_id : null;
}

function AnalyzeForm({
  session,
  incident,
  onStarted,
}: {
  session: Session;
  incident: IncidentDetail;
  onStarted: (id: string) => void;
}) {
  const [type, setType] = useState("root_cause");
  const [urgency, setUrgency] = useState("medium");
  const [withRecs, setWithRecs] = useState(true);
  const act = useAction<AnalyzeAccepted>();
  const gate = canAnalyze(session);
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = { incident_id: incident.id, analysis_type: type, include_recommendations: withRecs, urgency };
    const accepted = await act.run(() => api.post<AnalyzeAccepted>("/api/v1/analysis/analyze", body));
    if (accepted) onStarted(accepted.analysis_id);
  };
  return (
    <form class="filters inc-analyze" onSubmit={submit} aria-label="Start an analysis">
      <label>
        Analysis type
        <select name="analysis_type" value={type} onChange={(e) => setType(e.currentTarget.value)} disabled={!gate.allowed}>
          {TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </label>
      <label>
        Urgency
        <select name="urgency" value={urgency} onChange={(e) => setUrgency(e.currentTarget.value)} disabled={!gate.allowed}>
          {URGENCIES.map((u) => (
            <option key={u}>{u}</option>
          ))}
        </select>
      </label>
      <label class="inc-check">
        <input
          type="checkbox"
          checked={withRecs}
          onChange={(e) => setWithRecs(e.currentTarget.checked)}
          disabled={!gate.allowed}
        />
        Include recommendations
      </label>
      <GatedButton type="submit" class="primary" gate={gate} busy={act.busy} busyLabel="Starting…">
        Analyze
      </GatedButton>
      <div class="inc-wide" aria-live="polite">
        <ApiErrorNote error={act.error} />
        {act.result && (
          <details>
            <summary>
              Accepted: analysis <code>{act.result.analysis_id}</code>, estimated completion{" "}
              {dateTime(act.result.estimated_completion)}
            </summary>
            <ResultBlock label="Analysis accepted" value={act.result} />
          </details>
        )}
      </div>
    </form>
  );
}

function AnalysisStatus({ a }: { a: Analysis }) {
  return (
    <p class="inc-analysis-status" data-testid="analysis-status" data-status={a.status}>
      Analysis <code>{a.id}</code> ({a.analysis_type}, urgency {a.urgency}): <Badge tone={a.status}>{a.status}</Badge>{" "}
      {a.status === "in_progress" ? (
        <>
          requested {dateTime(a.created_at)}; checking every {POLL_MS / 1000} s…
        </>
      ) : (
        <>
          {a.status === "completed" ? "completed" : "ended"} {a.completed_at ? dateTime(a.completed_at) : ""} · requested by{" "}
          {a.requested_by}
        </>
      )}
    </p>
  );
}

/** Polls the analysis while it runs and tells the page once it ends (its timeline then has a new entry). */
function CurrentAnalysis({ id, onEnded, onUse }: { id: string; onEnded: () => void; onUse: (r: Recommendation) => void }) {
  const [running, setRunning] = useState(true);
  const state = useApi(
    (signal) => api.get<{ analysis: Analysis }>(`/api/v1/analysis/${id}`, undefined, signal),
    [id],
    running ? POLL_MS : undefined,
  );
  const status = state.data?.analysis.status;
  const seen = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (!status) return;
    setRunning(status === "in_progress");
    if (seen.current === "in_progress" && status !== "in_progress") onEnded();
    seen.current = status;
  }, [status, onEnded]);
  return (
    <Async state={quiet(state)}>
      {({ analysis: a }) => (
        <>
          {/* Only the status line is live: it changes once, when the analysis ends. */}
          <div aria-live="polite">
            <AnalysisStatus a={a} />
          </div>
          {a.status === "failed" && <p class="error-note">The analysis failed: {a.error ?? "no reason given"}</p>}
          {a.status === "completed" && a.results && <AnalysisResultsView r={a.results} onUse={onUse} />}
        </>
      )}
    </Async>
  );
}

export function IncidentAnalysis(props: {
  session: Session;
  incident: IncidentDetail;
  onEnded: () => void;
  onUse: (r: Recommendation) => void;
}) {
  const [started, setStarted] = useState<string | null>(null);
  const id = started ?? latestAnalysisId(props.incident);
  return (
    <Panel title="Analysis" class="span-12">
      <AnalyzeForm session={props.session} incident={props.incident} onStarted={setStarted} />
      <div class="inc-analysis">
        {id ? (
          <CurrentAnalysis key={id} id={id} onEnded={props.onEnded} onUse={props.onUse} />
        ) : (
          <p class="muted">No analysis of this incident yet.</p>
        )}
      </div>
    </Panel>
  );
}
