import { useState } from "preact/hooks";
import { ConfirmDialog } from "../components/confirm";
import { Async, Badge, ErrorNote, Panel, ResultBlock } from "../components/panel";
import { api } from "../lib/api";
import { dateTime, timeAgo } from "../lib/format";
import {
  actorUserId,
  APPROVAL_STATUSES,
  linksByNode,
  useCommand,
  type Approval,
  type ApprovalStatus,
  type Mesh,
} from "../lib/mesh-api";
import type { Session } from "../lib/session";
import type { Loadable } from "../lib/use-api";
import { RoleNote } from "./mesh-commands";

interface Props {
  session: Session;
  canCommand: boolean;
  mesh: Mesh | undefined;
  approvals: Loadable<Approval[]>;
  status: ApprovalStatus | "";
  onStatus: (s: ApprovalStatus | "") => void;
  onChanged: () => void;
}

type Decision = { kind: "approve" | "reject"; approval: Approval };

const ACTION_TEXT = { "isolate-node": "Isolate", "restore-node": "Return to service" } as const;

/**
 * Requests waiting for a second pair of eyes. The server lets anyone but the requester approve
 * (and only a signed-in responder); the requester may withdraw their own request.
 */
export function ApprovalsPanel(props: Props) {
  const [decision, setDecision] = useState<Decision | null>(null);
  const cmd = useCommand<unknown>();
  const [label, setLabel] = useState("");
  const me = props.session.me.id;

  const confirm = async () => {
    if (!decision) return;
    const { kind, approval } = decision;
    setLabel(`${kind === "approve" ? "Approval" : "Rejection"} of ${approval.id}`);
    await cmd.run(() =>
      api.post(`/api/approvals/${encodeURIComponent(approval.id)}/${kind}`, kind === "reject" ? {} : undefined),
    );
    setDecision(null);
    props.onChanged();
  };

  return (
    <Panel
      title="Approvals"
      class="span-12"
      actions={
        <label class="mesh-inline-label">
          Status
          <select value={props.status} onChange={(e) => props.onStatus(e.currentTarget.value as ApprovalStatus | "")}>
            {APPROVAL_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.charAt(0).toUpperCase() + s.slice(1)}
              </option>
            ))}
            <option value="">All</option>
          </select>
        </label>
      }
    >
      <RoleNote session={props.session} show={!props.canCommand} />
      <Async state={props.approvals} empty={props.status ? `No ${props.status} approval requests.` : "No approval requests yet."}>
        {(rows) => <ApprovalTable rows={rows} me={me} canCommand={props.canCommand} onDecide={setDecision} />}
      </Async>
      <ConfirmDialog
        open={!!decision}
        title={
          decision
            ? `${decision.kind === "approve" ? "Approve" : decisionVerb(decision, me)} request ${decision.approval.id}?`
            : ""
        }
        effect={decision && <DecisionEffect decision={decision} mesh={props.mesh} me={me} />}
        confirmLabel={
          decision?.kind === "approve" ? "Approve and execute" : `${decision ? decisionVerb(decision, me) : "Reject"} request`
        }
        danger={decision?.kind === "approve"}
        busy={cmd.busy}
        onConfirm={() => void confirm()}
        onCancel={() => setDecision(null)}
      />
      <div aria-live="polite">
        <ErrorNote error={cmd.error} />
        {cmd.result !== undefined && <ResultBlock label={label} value={cmd.result} />}
      </div>
    </Panel>
  );
}

const mine = (a: Approval, me: string) => actorUserId(a.requestedBy) === me;
const decisionVerb = (d: Decision, me: string) => (mine(d.approval, me) ? "Withdraw" : "Reject");

function DecisionEffect({ decision, mesh, me }: { decision: Decision; mesh: Mesh | undefined; me: string }) {
  const { approval: a, kind } = decision;
  if (kind === "reject")
    return (
      <p>
        {mine(a, me) ? "Withdraws your" : "Rejects the"} request to {ACTION_TEXT[a.action].toLowerCase()} {a.nodeId}. Nothing is
        executed; the requester would have to ask again.
      </p>
    );
  const live = mesh ? (linksByNode(mesh).get(a.nodeId)?.live.length ?? 0) : null;
  return a.action === "isolate-node" ? (
    <p>
      Executes the request now, as the second user: isolates {a.nodeId} and severs its live links
      {live === null ? "" : ` (${live} now)`}. Requested by <span class="mesh-actor">{a.requestedBy}</span>
      {a.reason ? `, because: ${a.reason}` : ""}.
    </p>
  ) : (
    <p>
      Executes the request now, as the second user: returns {a.nodeId} to service (NOMINAL) and re-establishes the links its
      isolation severed. Requested by <span class="mesh-actor">{a.requestedBy}</span>
      {a.reason ? `, because: ${a.reason}` : ""}.
    </p>
  );
}

function ApprovalTable(props: { rows: Approval[]; me: string; canCommand: boolean; onDecide: (d: Decision) => void }) {
  return (
    <div class="table-wrap">
      <table class="mesh-approvals">
        <caption class="sr-only">Approval requests, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Request</th>
            <th scope="col">Action</th>
            <th scope="col">Node</th>
            <th scope="col">Status</th>
            <th scope="col">Requested</th>
            <th scope="col">Decided</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((a) => (
            <ApprovalRow key={a.id} a={a} {...props} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ApprovalRow({
  a,
  me,
  canCommand,
  onDecide,
}: {
  a: Approval;
  me: string;
  canCommand: boolean;
  onDecide: (d: Decision) => void;
}) {
  const own = mine(a, me);
  return (
    <tr data-approval-id={a.id} data-status={a.status}>
      <td>
        <code>{a.id}</code>
        {a.reason && <div class="muted">Reason: {a.reason}</div>}
      </td>
      <td>{ACTION_TEXT[a.action] ?? a.action}</td>
      <td class="mesh-nowrap">{a.nodeId}</td>
      <td>
        <Badge tone={a.status === "executed" ? "completed" : a.status}>{a.status}</Badge>
      </td>
      <td>
        <span title={dateTime(a.requestedAt)}>{timeAgo(a.requestedAt)}</span> by <span class="mesh-actor">{a.requestedBy}</span>
        {own && " (you)"}
        {a.status === "pending" && <div class="muted">Expires {dateTime(a.expiresAt)}</div>}
      </td>
      <td>
        {a.decidedAt ? (
          <>
            <span title={dateTime(a.decidedAt)}>{timeAgo(a.decidedAt)}</span>
            {a.decidedBy && (
              <>
                {" "}
                by <span class="mesh-actor">{a.decidedBy}</span>
              </>
            )}
          </>
        ) : (
          "—"
        )}
        {a.outcome && (
          <details>
            <summary>Outcome</summary>
            <pre>{JSON.stringify(a.outcome, null, 2)}</pre>
          </details>
        )}
      </td>
      <td>
        {a.status === "pending" ? (
          <div class="mesh-buttons">
            <button
              type="button"
              class="primary"
              disabled={!canCommand || own}
              onClick={() => onDecide({ kind: "approve", approval: a })}
            >
              Approve<span class="sr-only"> {a.id}</span>
            </button>
            <button type="button" disabled={!canCommand} onClick={() => onDecide({ kind: "reject", approval: a })}>
              {own ? "Withdraw" : "Reject"}
              <span class="sr-only"> {a.id}</span>
            </button>
            {own && <div class="muted">Your request: another user must approve it.</div>}
          </div>
        ) : (
          <span class="muted">No actions</span>
        )}
      </td>
    </tr>
  );
}
