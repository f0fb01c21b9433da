import { useEffect, useRef, useState } from "preact/hooks";
import { ConfirmDialog } from "../components/confirm";
import { ErrorNote, ResultBlock } from "../components/panel";
import { api } from "../lib/api";
import { dateTime } from "../lib/format";
import { linksByNode, useCommand, type Approval, type Mesh, type MeshNode } from "../lib/mesh-api";

/** A command the operator has asked for and not yet confirmed or cancelled. */
export interface Intent {
  kind: "isolate" | "restore";
  nodeId: string;
}

/** What confirming will do, in words, before anything happens. */
function Effect({ intent, node, live, sequence }: { intent: Intent; node: MeshNode; live: string[]; sequence: string }) {
  const severs = `${live.length} live link${live.length === 1 ? "" : "s"}${live.length ? ` (to ${live.join(", ")})` : ""}`;
  const who = `${node.id} (${node.label})`;
  if (intent.kind === "restore")
    return (
      <p>
        Asks a second user to return {who} to service. When another responder approves, it becomes NOMINAL and the links its
        isolation severed are re-established, except those to nodes that are still isolated. The server refuses (409) unless the
        mesh keys were rotated after the isolation. Nothing changes until then.
      </p>
    );
  if (!node.protected)
    return (
      <p>
        Isolates {who} from the mesh: it severs its {severs} and marks the node ISOLATED. Rerouted traffic avoids it. Returning it
        to service later needs a key rotation and a second user's approval.
      </p>
    );
  if (sequence)
    return (
      <p>
        Isolates protected node {who} on the authority of consensus certificate {sequence}, which must commit exactly this
        isolation, be under 10 minutes old and unused. If it does, the node's {severs} are severed.
      </p>
    );
  return (
    <p>
      {who} is protected: it is isolated only when a second user approves. Confirming sends an approval request (it expires in an
      hour); nothing changes until another responder approves it. When approved, it severs the node's {severs}.
    </p>
  );
}

/**
 * Isolating an unprotected node is direct. A protected node needs a second user (an approval
 * request) or a consensus certificate; returning a node to service always needs a second user.
 */
const viaApproval = (intent: Intent, node: MeshNode, sequence: string) =>
  intent.kind === "restore" || (node.protected && !sequence);

function titleOf(intent: Intent, approval: boolean) {
  if (intent.kind === "restore") return `Request return to service for ${intent.nodeId}?`;
  return approval ? `Request isolation of ${intent.nodeId}?` : `Isolate ${intent.nodeId}?`;
}

interface Props {
  mesh: Mesh;
  intent: Intent | null;
  onClose: () => void;
  onChanged: () => void;
}

/** The confirmation for an isolate or return-to-service intent, and the API's answer to it. */
export function NodeCommand({ mesh, intent, onClose, onChanged }: Props) {
  const cmd = useCommand<unknown>();
  const [label, setLabel] = useState("");
  const [reason, setReason] = useState("");
  const [sequence, setSequence] = useState("");
  const out = useRef<HTMLDivElement>(null);
  useEffect(() => {
    setReason("");
    setSequence("");
  }, [intent]);
  // The dialog may have been opened from the table far below: bring the outcome into view.
  useEffect(() => {
    if (cmd.result !== undefined || cmd.error) out.current?.scrollIntoView?.({ block: "nearest" });
  }, [cmd.result, cmd.error]);
  const node = intent ? mesh.nodes.find((n) => n.id === intent.nodeId) : undefined;
  const approval = !!intent && !!node && viaApproval(intent, node, sequence);

  const confirm = async () => {
    if (!intent || !node) return;
    const nodeId = node.id;
    if (approval) {
      setLabel(`Approval request: ${intent.kind === "isolate" ? "isolate" : "return to service"} ${nodeId}`);
      const action = intent.kind === "isolate" ? "isolate-node" : "restore-node";
      await cmd.run(() => api.post("/api/approvals", { action, nodeId, reason: reason.trim() || undefined }));
    } else {
      setLabel(`Isolation of ${nodeId}`);
      const body = sequence ? { nodeId, consensusSequence: Number(sequence) } : { nodeId };
      await cmd.run(() => api.post("/api/isolate-node", body));
    }
    onClose();
    // Whatever the answer (even 409: someone else got there first), the mesh is re-read.
    onChanged();
  };

  return (
    <>
      <ConfirmDialog
        open={!!intent && !!node}
        title={intent ? titleOf(intent, approval) : ""}
        effect={
          intent &&
          node && (
            <>
              <Effect intent={intent} node={node} live={linksByNode(mesh).get(node.id)?.live ?? []} sequence={sequence} />
              {intent.kind === "isolate" && node.protected && (
                <label>
                  Consensus certificate sequence (optional)
                  <input type="number" min={1} step={1} value={sequence} onInput={(e) => setSequence(e.currentTarget.value)} />
                </label>
              )}
              {approval && (
                <label>
                  Reason for the approval request (optional)
                  <textarea rows={2} maxLength={1000} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
                </label>
              )}
            </>
          )
        }
        confirmLabel={approval ? "Request approval" : "Isolate node"}
        danger={!approval}
        busy={cmd.busy}
        onConfirm={() => void confirm()}
        onCancel={onClose}
      />
      <div ref={out} class="mesh-outcome" aria-live="polite">
        <ErrorNote error={cmd.error} />
        {cmd.result !== undefined && <PendingNote result={cmd.result} />}
        {cmd.result !== undefined && <ResultBlock label={label} value={cmd.result} />}
      </div>
    </>
  );
}

/** An approval request's answer is not the command's effect: say plainly that it waits. */
function PendingNote({ result }: { result: unknown }) {
  const a = result as Partial<Approval>;
  if (a?.status !== "pending" || !a.id) return null;
  return (
    <p class="notice">
      Approval {a.id} is pending: nothing has changed yet. Another responder must approve it under Approvals (it expires{" "}
      {dateTime(a.expiresAt)}).
    </p>
  );
}
