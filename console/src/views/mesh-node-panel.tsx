import { StateBadge } from "../components/mesh-graph";
import { Async, Empty, Panel } from "../components/panel";
import { dateTime, timeAgo } from "../lib/format";
import { linksByNode, type Mesh, type MeshNode } from "../lib/mesh-api";
import type { Session } from "../lib/session";
import type { Loadable } from "../lib/use-api";
import { RoleNote } from "./mesh-commands";
import { NodeCommand, type Intent } from "./mesh-node-command";

interface Props {
  session: Session;
  canCommand: boolean;
  meshState: Loadable<Mesh>;
  selectedId: string | null;
  intent: Intent | null;
  onIntent: (i: Intent) => void;
  onCloseIntent: () => void;
  onChanged: () => void;
  onUseAs: (which: "sourceId" | "targetId", id: string) => void;
}

export function NodePanel(props: Props) {
  return (
    <Panel title="Selected node">
      <Async state={props.meshState}>
        {(mesh) => {
          const node = mesh.nodes.find((n) => n.id === props.selectedId);
          return node ? (
            <NodeDetails {...props} mesh={mesh} node={node} />
          ) : (
            <Empty>Select a node in the graph or in the Nodes table to see it here and act on it.</Empty>
          );
        }}
      </Async>
      {props.meshState.data && (
        <NodeCommand
          mesh={props.meshState.data}
          intent={props.intent}
          onClose={props.onCloseIntent}
          onChanged={props.onChanged}
        />
      )}
    </Panel>
  );
}

function NodeDetails({ mesh, node, canCommand, session, onIntent, onUseAs }: Props & { mesh: Mesh; node: MeshNode }) {
  const links = linksByNode(mesh).get(node.id) ?? { live: [], severed: [] };
  const isolated = node.state === "ISOLATED";
  return (
    <div class="mesh-details" data-selected-node={node.id}>
      <dl class="mesh-facts">
        <dt>Node</dt>
        <dd>
          <strong>{node.id}</strong> · {node.label}
        </dd>
        <dt>State</dt>
        <dd>
          <StateBadge state={node.state} />
          {node.isolatedAt && ` since ${dateTime(node.isolatedAt)} (${timeAgo(node.isolatedAt)})`}
        </dd>
        <dt>System</dt>
        <dd>
          {node.systemType} · {node.region}
        </dd>
        <dt>Protected</dt>
        <dd>{node.protected ? "Yes: isolation needs a second user's approval or a consensus certificate" : "No"}</dd>
        <dt>Live links</dt>
        <dd>{links.live.length ? `${links.live.length}: ${links.live.join(", ")}` : "None"}</dd>
        <dt>Severed links</dt>
        <dd>{links.severed.length ? `${links.severed.length}: ${links.severed.join(", ")}` : "None"}</dd>
      </dl>
      <div class="mesh-buttons">
        {isolated ? (
          <button type="button" disabled={!canCommand} onClick={() => onIntent({ kind: "restore", nodeId: node.id })}>
            Request return to service
          </button>
        ) : (
          <button
            type="button"
            class="danger"
            disabled={!canCommand}
            onClick={() => onIntent({ kind: "isolate", nodeId: node.id })}
          >
            Isolate node
          </button>
        )}
        <button type="button" onClick={() => onUseAs("sourceId", node.id)}>
          Use as reroute source
        </button>
        <button type="button" onClick={() => onUseAs("targetId", node.id)}>
          Use as reroute target
        </button>
      </div>
      <RoleNote session={session} show={!canCommand} />
    </div>
  );
}
