import { Fragment } from "preact";
import { useId, useState } from "preact/hooks";
import { ConfirmDialog } from "../components/confirm";
import { ErrorNote, Panel, ResultBlock } from "../components/panel";
import { api } from "../lib/api";
import { useCommand, type Mesh, type RerouteResult } from "../lib/mesh-api";
import type { Session } from "../lib/session";

/** Why command buttons are disabled: the server would refuse them (403) for this role anyway. */
export function RoleNote({ session, show }: { session: Session; show: boolean }) {
  if (!show) return null;
  return (
    <p class="muted mesh-role-note">
      Your role ({session.me.role ?? "none"}) can view the mesh but not change it: commands and approvals need the responder or
      admin role.
    </p>
  );
}

export interface RouteEnds {
  sourceId: string;
  targetId: string;
}

interface CommonProps {
  session: Session;
  canCommand: boolean;
  mesh: Mesh | undefined;
}

export function ReroutePanel(
  props: CommonProps & {
    ends: RouteEnds;
    onEnds: (e: RouteEnds) => void;
    route: string[] | null;
    onRoute: (r: string[] | null) => void;
  },
) {
  const { ends, onEnds, mesh } = props;
  const [open, setOpen] = useState(false);
  const cmd = useCommand<RerouteResult>();
  const hintId = useId();
  const ready = !!ends.sourceId && !!ends.targetId;
  const confirm = async () => {
    const r = await cmd.run(() => api.post<RerouteResult>("/api/reroute", ends));
    setOpen(false);
    props.onRoute(r?.newRoute ?? null);
  };
  const select = (which: keyof RouteEnds, label: string) => (
    <label>
      {label}
      <select value={ends[which]} onChange={(e) => onEnds({ ...ends, [which]: e.currentTarget.value })}>
        <option value="">Choose a node</option>
        {mesh?.nodes.map((n) => (
          <option key={n.id} value={n.id}>
            {n.id} · {n.label} ({n.state})
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <Panel title="Reroute traffic">
      <div class="mesh-form">
        {select("sourceId", "Source node")}
        {select("targetId", "Target node")}
      </div>
      <div class="mesh-buttons">
        <button
          type="button"
          class="primary"
          disabled={!props.canCommand || !ready || cmd.busy}
          aria-describedby={hintId}
          onClick={() => setOpen(true)}
        >
          Reroute
        </button>
        {props.route && (
          <button type="button" onClick={() => props.onRoute(null)}>
            Clear route highlight
          </button>
        )}
      </div>
      <p id={hintId} class="muted">
        {ready
          ? "Finds the cheapest path over live links that avoids isolated and critical nodes."
          : "Choose a source and a target node."}
      </p>
      <RoleNote session={props.session} show={!props.canCommand} />
      <ConfirmDialog
        open={open}
        title={`Reroute traffic from ${ends.sourceId} to ${ends.targetId}?`}
        effect={
          <p>
            Computes the shortest path from {ends.sourceId} to {ends.targetId} over live links, never through isolated or critical
            nodes, and makes it the active route for this pair, replacing any earlier one. Nodes and links are not changed.
          </p>
        }
        confirmLabel="Reroute"
        busy={cmd.busy}
        onConfirm={() => void confirm()}
        onCancel={() => setOpen(false)}
      />
      <div aria-live="polite">
        <ErrorNote error={cmd.error} />
        {cmd.result && (
          <p class="mesh-route">
            New route:{" "}
            <span class="mesh-route-text" data-testid="mesh-route">
              {cmd.result.newRoute.map((id, i) => (
                <Fragment key={i}>
                  {i > 0 && " → "}
                  <span class="mesh-nowrap">{id}</span>
                </Fragment>
              ))}
            </span>
          </p>
        )}
        {cmd.result && <ResultBlock label="Reroute result" value={cmd.result} />}
      </div>
    </Panel>
  );
}

export function KeysPanel({ session, canCommand, mesh }: CommonProps) {
  const [open, setOpen] = useState(false);
  const cmd = useCommand<unknown>();
  const live = mesh?.nodes.filter((n) => n.state !== "ISOLATED").length;
  const confirm = async () => {
    await cmd.run(() => api.post("/api/rotate-keys"));
    setOpen(false);
  };
  return (
    <Panel title="Mesh keys">
      <p class="muted">
        Replaces the mesh signing key (hybrid Ed25519 + ML-DSA-65). An isolated node can return to service only after a rotation
        made after its isolation.
      </p>
      <div class="mesh-buttons">
        <button type="button" disabled={!canCommand || cmd.busy} onClick={() => setOpen(true)}>
          Rotate keys
        </button>
      </div>
      <RoleNote session={session} show={!canCommand} />
      <ConfirmDialog
        open={open}
        title="Rotate the mesh signing key?"
        effect={
          <p>
            Generates a new signing key and pushes it to every node that is not isolated
            {live === undefined ? "" : ` (${live} now)`}. The current key is retired but keeps verifying for a 24-hour grace
            period, so nodes mid-update are not cut off.
          </p>
        }
        confirmLabel="Rotate keys"
        busy={cmd.busy}
        onConfirm={() => void confirm()}
        onCancel={() => setOpen(false)}
      />
      <div aria-live="polite">
        <ErrorNote error={cmd.error} />
        {cmd.result !== undefined && <ResultBlock label="Key rotation result" value={cmd.result} />}
      </div>
    </Panel>
  );
}
