import { StateBadge } from "../components/mesh-graph";
import { linksByNode, type Mesh } from "../lib/mesh-api";
import type { Intent } from "./mesh-node-command";

interface Props {
  mesh: Mesh;
  selectedId: string | null;
  canCommand: boolean;
  onSelect: (id: string) => void;
  onIntent: (i: Intent) => void;
}

/** The graph's non-visual twin: every node, its state in words, its links and the same actions. */
export function NodesTable({ mesh, selectedId, canCommand, onSelect, onIntent }: Props) {
  const links = linksByNode(mesh);
  return (
    <div class="table-wrap">
      <table class="mesh-nodes">
        <caption class="sr-only">Mesh nodes with their state and links</caption>
        <thead>
          <tr>
            <th scope="col">Node</th>
            <th scope="col">State</th>
            <th scope="col">Protected</th>
            <th scope="col">Links</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {mesh.nodes.map((n) => {
            const l = links.get(n.id) ?? { live: [], severed: [] };
            const selected = n.id === selectedId;
            const isolated = n.state === "ISOLATED";
            return (
              <tr
                key={n.id}
                data-node-id={n.id}
                class={selected ? "selected" : undefined}
                aria-current={selected ? "true" : undefined}
              >
                <th scope="row">
                  {n.id}
                  {selected && <span class="mesh-selected-tag"> (selected)</span>}
                  <div class="muted">
                    {n.label} · {n.systemType} · {n.region}
                  </div>
                </th>
                <td data-state={n.state}>
                  <StateBadge state={n.state} />
                </td>
                <td>{n.protected ? "Yes" : "No"}</td>
                <td>
                  {l.live.length} live, {l.severed.length} severed
                  {l.live.length > 0 && <div class="muted mesh-neighbours">to {l.live.join(", ")}</div>}
                </td>
                <td>
                  <div class="mesh-buttons">
                    <button type="button" aria-pressed={selected} onClick={() => onSelect(n.id)}>
                      Select
                      <span class="sr-only"> {n.id}</span>
                    </button>
                    <button
                      type="button"
                      disabled={!canCommand}
                      onClick={() => onIntent({ kind: isolated ? "restore" : "isolate", nodeId: n.id })}
                    >
                      {isolated ? "Request return" : "Isolate"}
                      <span class="sr-only"> {n.id}</span>
                    </button>
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
