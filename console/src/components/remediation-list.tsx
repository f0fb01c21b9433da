import { useState } from "preact/hooks";
import { api } from "../lib/api";
import type { Session } from "../lib/session";
import { useApi } from "../lib/use-api";
import { agentName, canApprove, canRollback } from "../views/incident-access";
import type { IncidentDetail, RemediationAction } from "../views/incident-types";
import { ApiErrorNote, GatedButton, quiet, useAction, When } from "../views/incident-ui";
import { Async, Badge, ErrorNote, Panel } from "./panel";
import { ActionAnswer, ParamList } from "./remediation-plan";
import { ApproveDialog, RollbackDialog } from "./remediation-dialogs";

const REFRESH_MS = 15_000;
const ACTION_ID = /\brem_[0-9a-f]{32}\b/;

/**
 * The API has no per-incident list of remediations; every request, execution, approval, failure
 * and rollback writes a timeline entry naming the action ("block_ip (rem_…) awaits approval").
 * Those ids, most recent activity first, are the incident's actions.
 */
export function actionIdsOf(i: IncidentDetail): string[] {
  const ids: string[] = [];
  for (const t of [...i.timeline].reverse()) {
    const m = t.event.startsWith("Remediation ") ? ACTION_ID.exec(t.details) : null;
    if (m && !ids.includes(m[0])) ids.push(m[0]);
  }
  return ids;
}

type Row = { id: string; action?: RemediationAction; error?: unknown };

/** Each action's status from GET /api/v1/remediation/{id}; one that fails to load says so in its row. */
async function loadActions(ids: string[], incidentId: string, signal: AbortSignal): Promise<Row[]> {
  const settled = await Promise.allSettled(
    ids.map((id) => api.get<{ action: RemediationAction }>(`/api/v1/remediation/${id}`, undefined, signal)),
  );
  return settled
    .map((s, k): Row => (s.status === "fulfilled" ? { id: ids[k]!, action: s.value.action } : { id: ids[k]!, error: s.reason }))
    .filter((r) => !r.action || r.action.incident_id === incidentId);
}

function statusCount(rows: Row[]): string {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.action?.status ?? "not loaded", (counts.get(r.action?.status ?? "not loaded") ?? 0) + 1);
  const parts = [...counts].map(([status, n]) => `${n} ${status}`);
  return `${rows.length} remediation action${rows.length === 1 ? "" : "s"}${parts.length ? `: ${parts.join(", ")}` : ""}`;
}

type Pending = { kind: "approve" | "rollback"; action: RemediationAction } | null;

function Controls({ session, a, open }: { session: Session; a: RemediationAction; open: (p: Pending) => void }) {
  if (a.status === "pending_approval")
    return (
      <GatedButton
        gate={canApprove(session, a)}
        onClick={() => open({ kind: "approve", action: a })}
        aria-label={`Approve ${a.type} ${a.id}`}
      >
        Approve
      </GatedButton>
    );
  if (a.status === "completed")
    return (
      <GatedButton
        gate={canRollback(session, a)}
        class="danger"
        onClick={() => open({ kind: "rollback", action: a })}
        aria-label={`Roll back ${a.type} ${a.id}`}
      >
        Roll back
      </GatedButton>
    );
  return <span class="muted">No action available</span>;
}

/** A principal as the API names it, marked when it is the signed-in user. */
function Who({ session, name }: { session: Session; name: string | null }) {
  if (!name) return <span class="muted">—</span>;
  return (
    <span class="rem-who">
      {name}
      {name === agentName(session) ? <strong> (you)</strong> : null}
    </span>
  );
}

function Approval({ session, a }: { session: Session; a: RemediationAction }) {
  if (a.approval.approved_by)
    return (
      <>
        approved by <Who session={session} name={a.approval.approved_by} /> <When at={a.approval.approved_at} />
      </>
    );
  if (!a.approval.required) return <>not required</>;
  if (a.status !== "pending_approval") return <>not given</>;
  return (
    <>
      needed from {a.approval.approvers.join(" or ")}; expires <When at={a.approval.expires_at} />
    </>
  );
}

function Execution({ session, a }: { session: Session; a: RemediationAction }) {
  if (a.status === "rolled_back")
    return (
      <>
        executed <When at={a.executed_at} />; rolled back <When at={a.rollback.rolled_back_at} /> by{" "}
        <Who session={session} name={a.rollback.rolled_back_by} />
      </>
    );
  if (!a.executed_at) return <span class="muted">not executed</span>;
  return (
    <>
      executed <When at={a.executed_at} />
      {a.expires_at && (
        <>
          ; rolls back by itself <When at={a.expires_at} />
        </>
      )}
    </>
  );
}

function ActionRow({ session, row, open }: { session: Session; row: Row; open: (p: Pending) => void }) {
  const a = row.action;
  if (!a)
    return (
      <tr data-action-id={row.id}>
        <th scope="row">
          <code>{row.id}</code>
        </th>
        <td colSpan={5}>
          <ErrorNote error={row.error} />
        </td>
      </tr>
    );
  return (
    <tr data-action-id={a.id} data-status={a.status} data-action-type={a.type}>
      <th scope="row">
        <code>{a.type}</code>
        <br />
        <code class="rem-id">{a.id}</code>
      </th>
      <td data-cell="status">
        <Badge tone={a.status}>{a.status}</Badge>
        {a.error && <div class="rem-error">{a.error}</div>}
      </td>
      {/* Controls come early so they stay in view when the table scrolls sideways at narrow widths. */}
      <td class="rem-controls">
        <Controls session={session} a={a} open={open} />
      </td>
      <td>
        <ParamList params={a.parameters} />
      </td>
      <td class="rem-people">
        requested by <Who session={session} name={a.approval.requested_by} /> <When at={a.approval.requested_at} />
        <br />
        <Approval session={session} a={a} />
      </td>
      <td>
        <Execution session={session} a={a} />
      </td>
    </tr>
  );
}

function ActionsTable({ session, rows, open }: { session: Session; rows: Row[]; open: (p: Pending) => void }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label="Action rows, scrollable">
      <table class="rem-actions" data-testid="incident-remediations">
        <caption class="sr-only">Remediation actions of this incident, most recent activity first</caption>
        <thead>
          <tr>
            <th scope="col">Action</th>
            <th scope="col">Status</th>
            <th scope="col">Controls</th>
            <th scope="col">Parameters</th>
            <th scope="col">Requested and approved</th>
            <th scope="col">Execution</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <ActionRow key={r.id} session={session} row={r} open={open} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The incident's remediation actions with Approve and Roll back; the answer to either is shown above the table. */
export function RemediationList({
  session,
  incident,
  onChanged,
}: {
  session: Session;
  incident: IncidentDetail;
  onChanged: () => void;
}) {
  const ids = actionIdsOf(incident);
  const key = ids.join(",");
  const rows = useApi((signal) => loadActions(ids, incident.id, signal), [key, incident.timeline.length], REFRESH_MS);
  const [pending, setPending] = useState<Pending>(null);
  const act = useAction<{ action: RemediationAction }>();
  const [lastKind, setLastKind] = useState<"approve" | "rollback">("approve");
  const submit = async (path: string, body: unknown, kind: "approve" | "rollback") => {
    setLastKind(kind);
    setPending(null);
    await act.run(() => api.post<{ action: RemediationAction }>(path, body));
    rows.reload();
    onChanged();
  };
  return (
    <Panel
      title="Remediation actions"
      class="span-12"
      actions={
        <button type="button" onClick={rows.reload} disabled={rows.loading}>
          {rows.loading ? "Refreshing…" : "Refresh actions"}
        </button>
      }
    >
      <div aria-live="polite">
        <ApiErrorNote error={act.error} />
        {act.result && (
          <ActionAnswer label={lastKind === "approve" ? "Approve answer" : "Rollback answer"} action={act.result.action} />
        )}
      </div>
      {/* The table is not live (its relative times change on every refresh); this count of statuses is. */}
      <p class="sr-only" aria-live="polite">
        {rows.data && statusCount(rows.data)}
      </p>
      <Async state={quiet(rows)} empty="No remediation has been requested or run for this incident.">
        {(d) => <ActionsTable session={session} rows={d} open={setPending} />}
      </Async>
      <ApproveDialog
        action={pending?.kind === "approve" ? pending.action : null}
        busy={act.busy}
        onCancel={() => setPending(null)}
        onConfirm={(a, notes) =>
          void submit(`/api/v1/remediation/${a.id}/approve`, { approval_notes: notes || undefined }, "approve")
        }
      />
      <RollbackDialog
        action={pending?.kind === "rollback" ? pending.action : null}
        busy={act.busy}
        onCancel={() => setPending(null)}
        onConfirm={(a, reason) => void submit(`/api/v1/remediation/${a.id}/rollback`, { reason }, "rollback")}
      />
    </Panel>
  );
}
