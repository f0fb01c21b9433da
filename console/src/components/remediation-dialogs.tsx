import { useEffect, useState } from "preact/hooks";
import type { RemediationAction } from "../views/incident-types";
import { ConfirmDialog } from "./confirm";
import { ParamList, PlanTable } from "./remediation-plan";

interface DialogProps {
  /** The action to confirm; null keeps the dialog closed. */
  action: RemediationAction | null;
  busy: boolean;
  onCancel: () => void;
  onConfirm: (a: RemediationAction, text: string) => void;
}

/** Approving runs the action at once, so the dialog names what it will do: its plan. */
export function ApproveDialog({ action, busy, onCancel, onConfirm }: DialogProps) {
  const [notes, setNotes] = useState("");
  useEffect(() => setNotes(""), [action?.id]);
  return (
    <ConfirmDialog
      open={action !== null}
      title={action ? `Approve ${action.type} ${action.id}?` : "Approve"}
      effect={
        action && (
          <>
            <p>
              Approving runs <code>{action.type}</code> now, as requested by {action.approval.requested_by}. It is re-planned
              against the current state before it runs. Parameters:
            </p>
            <ParamList params={action.parameters} />
            <PlanTable plan={action.plan} caption="Plan at request time" />
            <label>
              Approval notes (optional)
              <textarea rows={2} maxLength={2000} value={notes} onInput={(e) => setNotes(e.currentTarget.value)} />
            </label>
          </>
        )
      }
      confirmLabel="Approve and run"
      busy={busy}
      onCancel={onCancel}
      onConfirm={() => action && onConfirm(action, notes.trim())}
    />
  );
}

/** Rolling back applies the inverse recorded when the action ran; the API requires a reason. */
export function RollbackDialog({ action, busy, onCancel, onConfirm }: DialogProps) {
  const [reason, setReason] = useState("");
  const [missing, setMissing] = useState(false);
  useEffect(() => {
    setReason("");
    setMissing(false);
  }, [action?.id]);
  const confirm = () => {
    if (!action) return;
    if (!reason.trim()) return setMissing(true);
    onConfirm(action, reason.trim());
  };
  return (
    <ConfirmDialog
      open={action !== null}
      title={action ? `Roll back ${action.type} ${action.id}?` : "Roll back"}
      effect={
        action && (
          <>
            <p>
              Applies the inverse recorded when <code>{action.type}</code> ran, undoing{" "}
              <code>{JSON.stringify(action.parameters)}</code>. The API refuses (409) if the target has changed since.
            </p>
            <label>
              Reason (required)
              <textarea
                rows={2}
                maxLength={2000}
                value={reason}
                aria-invalid={missing}
                aria-describedby={missing ? "rem-reason-missing" : undefined}
                onInput={(e) => setReason(e.currentTarget.value)}
              />
            </label>
            {missing && (
              <p id="rem-reason-missing" class="error-note" role="alert">
                Give a reason for the rollback.
              </p>
            )}
          </>
        )
      }
      confirmLabel="Roll back"
      danger
      busy={busy}
      onCancel={onCancel}
      onConfirm={confirm}
    />
  );
}
