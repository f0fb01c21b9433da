import { useState } from "preact/hooks";
import type { Session } from "../lib/session";
import { Panel, ResultBlock } from "../components/panel";
import { api } from "../lib/api";
import { dateTime } from "../lib/format";
import { canChangeIncident, type Gate } from "./incident-access";
import { NEXT_STATUS, SEVERITIES, type IncidentDetail } from "./incident-types";
import { ApiErrorNote, GatedButton, useAction } from "./incident-ui";
import { SelectField } from "../components/select-field";

type Changed = { incident: IncidentDetail };
type Props = { incident: IncidentDetail; gate: Gate; onChanged: () => void };
/** One explanation for the panel's buttons when the role does not allow changes. */
const REASON_ID = "inc-lifecycle-gate";

/** The last change's answer: a line on where the incident now stands, and the API's answer on request. */
function Outcome({ label, action }: { label: string; action: { error: unknown; result: Changed | undefined } }) {
  const i = action.result?.incident;
  return (
    <div aria-live="polite" class="inc-outcome">
      <ApiErrorNote error={action.error} />
      {i && (
        <>
          <p class="inc-done">
            Done at {dateTime(i.updated_at)}: {i.incident_id} was then {i.status}, severity {i.severity},{" "}
            {i.assigned_to ? `assigned to ${i.assigned_to}` : "unassigned"}.
          </p>
          <details>
            <summary>API response</summary>
            <ResultBlock label={label} value={action.result} />
          </details>
        </>
      )}
    </div>
  );
}

function UpdateForm({ incident, gate, onChanged }: Props) {
  const [status, setStatus] = useState("");
  const [severity, setSeverity] = useState("");
  const [notes, setNotes] = useState("");
  const act = useAction<Changed>();
  const moves = NEXT_STATUS[incident.status];
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = { status: status || undefined, severity: severity || undefined, notes: notes.trim() || undefined };
    if (await act.run(() => api.put<Changed>(`/api/v1/incidents/${incident.id}`, body))) {
      setStatus("");
      setSeverity("");
      setNotes("");
      onChanged();
    }
  };
  return (
    <form class="inc-form" onSubmit={submit} aria-labelledby="inc-update-h">
      <h3 id="inc-update-h">Update</h3>
      <SelectField
        label="New status"
        name="status"
        value={status}
        options={moves}
        empty={`No change (${incident.status})`}
        onChange={setStatus}
        disabled={!gate.allowed}
      />
      <SelectField
        label="New severity"
        name="severity"
        value={severity}
        options={SEVERITIES.filter((s) => s !== incident.severity)}
        empty={`No change (${incident.severity})`}
        onChange={setSeverity}
        disabled={!gate.allowed}
      />
      <NotesField label="Update note" name="notes" value={notes} onInput={setNotes} disabled={!gate.allowed} />
      <GatedButton type="submit" class="primary" gate={gate} reasonId={REASON_ID} busy={act.busy} busyLabel="Updating…">
        Update incident
      </GatedButton>
      <Outcome label="Update: incident after the change" action={act} />
    </form>
  );
}

function AssignForm({ incident, gate, onChanged }: Props) {
  const [assignee, setAssignee] = useState("");
  const [notes, setNotes] = useState("");
  const act = useAction<Changed>();
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = { assignee: assignee.trim(), notes: notes.trim() || undefined };
    if (await act.run(() => api.post<Changed>(`/api/v1/incidents/${incident.id}/assign`, body))) {
      setAssignee("");
      setNotes("");
      onChanged();
    }
  };
  return (
    <form class="inc-form" onSubmit={submit} aria-labelledby="inc-assign-h">
      <h3 id="inc-assign-h">Assign</h3>
      <label>
        Assignee
        <input
          name="assignee"
          required
          maxLength={200}
          value={assignee}
          onInput={(e) => setAssignee(e.currentTarget.value)}
          disabled={!gate.allowed}
        />
      </label>
      <label>
        Assignment note
        <input
          name="assign_notes"
          maxLength={5000}
          value={notes}
          onInput={(e) => setNotes(e.currentTarget.value)}
          disabled={!gate.allowed}
        />
      </label>
      <GatedButton type="submit" gate={gate} reasonId={REASON_ID} busy={act.busy} busyLabel="Assigning…">
        Assign
      </GatedButton>
      <Outcome label="Assign: incident after the change" action={act} />
    </form>
  );
}

/** Resolving is a move from REMEDIATING; a false positive may be declared from any open status. */
function resolveGate(gate: Gate, incident: IncidentDetail, falsePositive: boolean): Gate {
  if (!gate.allowed) return gate;
  if (incident.status === "FALSE_POSITIVE") return { allowed: false, why: "A false positive is final." };
  if (!falsePositive && incident.status !== "REMEDIATING")
    return {
      allowed: false,
      why: `Resolving needs status REMEDIATING (it is ${incident.status}); a false positive can be marked now.`,
    };
  return gate;
}

function ResolveForm({ incident, gate, onChanged }: Props) {
  const [notes, setNotes] = useState("");
  const [falsePositive, setFalsePositive] = useState(false);
  const act = useAction<Changed>();
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = { resolution_notes: notes.trim() || undefined, false_positive: falsePositive };
    if (await act.run(() => api.post<Changed>(`/api/v1/incidents/${incident.id}/resolve`, body))) {
      setNotes("");
      onChanged();
    }
  };
  return (
    <form class="inc-form" onSubmit={submit} aria-labelledby="inc-resolve-h">
      <h3 id="inc-resolve-h">Resolve</h3>
      <NotesField label="Resolution notes" name="resolution_notes" value={notes} onInput={setNotes} disabled={!gate.allowed} />
      <label class="inc-check">
        <input
          type="checkbox"
          name="false_positive"
          checked={falsePositive}
          onChange={(e) => setFalsePositive(e.currentTarget.checked)}
          disabled={!gate.allowed}
        />
        False positive
      </label>
      <GatedButton
        type="submit"
        gate={resolveGate(gate, incident, falsePositive)}
        reasonId={gate.allowed ? undefined : REASON_ID}
        busy={act.busy}
        busyLabel="Resolving…"
      >
        {falsePositive ? "Mark false positive" : "Resolve incident"}
      </GatedButton>
      <Outcome label="Resolve: incident after the change" action={act} />
    </form>
  );
}

/** Update, assign and resolve: analysts and up; a viewer sees the forms disabled and why. */
export function IncidentLifecycle({
  session,
  incident,
  onChanged,
}: {
  session: Session;
  incident: IncidentDetail;
  onChanged: () => void;
}) {
  const gate = canChangeIncident(session);
  const props = { incident, gate, onChanged };
  return (
    <Panel title="Lifecycle" class="span-4">
      {!gate.allowed && (
        <p class="notice" id={REASON_ID}>
          {gate.why}
        </p>
      )}
      <div class="inc-lifecycle">
        <UpdateForm {...props} />
        <AssignForm {...props} />
        <ResolveForm {...props} />
      </div>
    </Panel>
  );
}

/** A free-text note on a lifecycle form, at the API's 5,000-character limit. */
function NotesField(p: { label: string; name: string; value: string; onInput: (v: string) => void; disabled: boolean }) {
  return (
    <label>
      {p.label}
      <textarea
        name={p.name}
        rows={2}
        maxLength={5000}
        value={p.value}
        onInput={(e) => p.onInput(e.currentTarget.value)}
        disabled={p.disabled}
      />
    </label>
  );
}
