import { useState } from "preact/hooks";
import type { ViewProps } from "../app";
import { MeshGraph, MeshLegend } from "../components/mesh-graph";
import { Async, Panel } from "../components/panel";
import { hasRole } from "../lib/session";
import { useApi, type Loadable } from "../lib/use-api";
import { fetchApprovals, fetchMesh, NODE_STATES, type ApprovalStatus, type Mesh } from "../lib/mesh-api";
import { ApprovalsPanel } from "./mesh-approvals";
import { KeysPanel, ReroutePanel, type RouteEnds } from "./mesh-commands";
import type { Intent } from "./mesh-node-command";
import { NodePanel } from "./mesh-node-panel";
import { NodesTable } from "./mesh-table";
import "./mesh.css";

// Node states move with the threat stream (every few seconds in simulation), so the mesh is
// re-read on a short interval; the layout stays put because only topology changes move nodes.
const REFRESH_MS = 15_000;

export function MeshView({ session }: ViewProps) {
  const mesh = useApi(fetchMesh, [], REFRESH_MS);
  const [status, setStatus] = useState<ApprovalStatus | "">("pending");
  const approvals = useApi((signal) => fetchApprovals(status, signal), [status], REFRESH_MS);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [intent, setIntent] = useState<Intent | null>(null);
  const [route, setRoute] = useState<string[] | null>(null);
  const [ends, setEnds] = useState<RouteEnds>({ sourceId: "", targetId: "" });
  const canCommand = hasRole(session, "responder");
  const refresh = () => {
    mesh.reload();
    approvals.reload();
  };
  const act = (next: Intent) => {
    setSelectedId(next.nodeId);
    setIntent(next);
  };
  const common = { session, canCommand, mesh: mesh.data };

  return (
    <div class="grid mesh-view">
      <h1 class="sr-only">Mesh</h1>
      <GraphPanel mesh={mesh} selectedId={selectedId} route={route} onSelect={setSelectedId} onRefresh={refresh} />
      <div class="span-4 mesh-side">
        <NodePanel
          {...common}
          meshState={mesh}
          selectedId={selectedId}
          intent={intent}
          onIntent={act}
          onCloseIntent={() => setIntent(null)}
          onChanged={refresh}
          onUseAs={(which, id) => setEnds((e) => ({ ...e, [which]: id }))}
        />
        <ReroutePanel {...common} ends={ends} onEnds={setEnds} route={route} onRoute={setRoute} />
        <KeysPanel {...common} />
      </div>
      <ApprovalsPanel {...common} approvals={approvals} status={status} onStatus={setStatus} onChanged={refresh} />
      <Panel title="Nodes" class="span-12">
        <Async state={mesh} isEmpty={(d) => d.nodes.length === 0} empty="This tenant's mesh has no nodes yet.">
          {(d) => <NodesTable mesh={d} selectedId={selectedId} canCommand={canCommand} onSelect={setSelectedId} onIntent={act} />}
        </Async>
      </Panel>
    </div>
  );
}

interface GraphPanelProps {
  mesh: Loadable<Mesh>;
  selectedId: string | null;
  route: string[] | null;
  onSelect: (id: string) => void;
  onRefresh: () => void;
}

function GraphPanel({ mesh, selectedId, route, onSelect, onRefresh }: GraphPanelProps) {
  return (
    <Panel
      title="Mesh graph"
      class="span-8"
      actions={
        // Never disabled while loading: the interval reload would otherwise pull focus off it every 15 s.
        <button type="button" onClick={onRefresh}>
          Refresh
        </button>
      }
    >
      <Async state={mesh} isEmpty={(d) => d.nodes.length === 0} empty="This tenant's mesh has no nodes yet.">
        {(d) => (
          <>
            <MeshSummary mesh={d} />
            <MeshGraph mesh={d} selectedId={selectedId} route={route} onSelect={onSelect} />
            <p class="muted mesh-hint">
              Click a node, or Tab to the graph and use the arrow keys, then Enter or Space, to select it. The table of nodes
              below offers the same.
            </p>
            <MeshLegend />
          </>
        )}
      </Async>
    </Panel>
  );
}

/** Counts by state and link status, announced politely as the mesh changes. */
function MeshSummary({ mesh }: { mesh: Mesh }) {
  const counts = NODE_STATES.map((s) => `${mesh.nodes.filter((n) => n.state === s).length} ${s.toLowerCase()}`);
  const severed = mesh.links.filter((l) => l.severed).length;
  return (
    <p class="mesh-summary" aria-live="polite">
      {mesh.nodes.length} nodes: {counts.join(", ")}. {mesh.links.length - severed} live links, {severed} severed.
    </p>
  );
}
