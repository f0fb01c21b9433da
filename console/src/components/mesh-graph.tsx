import type { ComponentChildren } from "preact";
import { useMemo, useRef, useState } from "preact/hooks";
import { linksByNode, type Mesh, type MeshLink, type MeshNode, type NodeState } from "../lib/mesh-api";
import { layoutMesh, neighbourInDirection, type Direction, type Point } from "../lib/mesh-layout";

const R = 11;

/** Each state has its own shape as well as its own colour, so colour is never the only signal. */
export function StateShape({ state, r = R }: { state: NodeState; r?: number }) {
  const cls = `mesh-shape state-${state.toLowerCase()}`;
  if (state === "WARNING") return <polygon class={cls} points={`0,${-r * 1.15} ${r * 1.1},${r * 0.8} ${-r * 1.1},${r * 0.8}`} />;
  if (state === "CRITICAL") return <polygon class={cls} points={`0,${-r * 1.25} ${r * 1.25},0 0,${r * 1.25} ${-r * 1.25},0`} />;
  if (state === "ISOLATED") return <rect class={cls} x={-r * 0.9} y={-r * 0.9} width={r * 1.8} height={r * 1.8} />;
  return <circle class={cls} r={r} />;
}

const pairKey = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`);

/** Route links last, so the highlighted path is drawn over the links it crosses. */
const orderLinks = (links: MeshLink[], route: Set<string>) =>
  [...links].sort((a, b) => +route.has(pairKey(a.sourceId, a.targetId)) - +route.has(pairKey(b.sourceId, b.targetId)));

const KEYS: Record<string, Direction> = { ArrowLeft: "left", ArrowRight: "right", ArrowUp: "up", ArrowDown: "down" };

interface GraphProps {
  mesh: Mesh;
  selectedId: string | null;
  /** The last reroute's path, drawn over the links it uses. */
  route: string[] | null;
  onSelect: (id: string) => void;
}

/**
 * One tab stop for the whole graph (a roving tabindex): arrow keys move to the nearest node in
 * that direction, Home/End to the first/last, Enter or Space selects, like a click.
 */
function useRovingFocus(ids: string[], positions: Map<string, Point>, selectedId: string | null, onSelect: (id: string) => void) {
  const [focusId, setFocusId] = useState<string | null>(null);
  const refs = useRef(new Map<string, SVGGElement>());
  const tabStop = [focusId, selectedId, ids[0]].find((id) => id && positions.has(id)) ?? null;
  const move = (to: string | null) => {
    if (!to) return;
    setFocusId(to);
    refs.current.get(to)?.focus();
  };
  const onKeyDown = (id: string) => (e: KeyboardEvent) => {
    const dir = KEYS[e.key];
    if (dir) move(neighbourInDirection(id, dir, positions));
    else if (e.key === "Home") move(ids[0] ?? null);
    else if (e.key === "End") move(ids[ids.length - 1] ?? null);
    else if (e.key === "Enter" || e.key === " ") onSelect(id);
    else return;
    e.preventDefault();
  };
  const select = (id: string) => {
    setFocusId(id);
    onSelect(id);
  };
  const refFor = (id: string) => (el: SVGGElement | null) => (el ? refs.current.set(id, el) : refs.current.delete(id));
  return { tabStop, onKeyDown, select, refFor };
}

function LinksLayer({ links, positions, route }: { links: MeshLink[]; positions: Map<string, Point>; route: Set<string> }) {
  return (
    <g aria-hidden="true">
      {orderLinks(links, route).map((l) => {
        const a = positions.get(l.sourceId);
        const b = positions.get(l.targetId);
        if (!a || !b) return null;
        const key = pairKey(l.sourceId, l.targetId);
        const cls = `mesh-link ${l.severed ? "severed" : "live"}${route.has(key) ? " on-route" : ""}`;
        return (
          <line key={key} class={cls} x1={a.x} y1={a.y} x2={b.x} y2={b.y}>
            <title>{`${l.sourceId} – ${l.targetId}, weight ${l.weight}${l.severed ? ", severed" : ""}`}</title>
          </line>
        );
      })}
    </g>
  );
}

/** The mesh as an SVG: links under nodes, each node a button named in words. */
export function MeshGraph({ mesh, selectedId, route, onSelect }: GraphProps) {
  const ids = mesh.nodes.map((n) => n.id);
  const topology = ids.join(",") + "/" + mesh.links.map((l) => pairKey(l.sourceId, l.targetId)).join(",");
  // Only a change of topology lays the graph out again; state changes and severed links do not move nodes.
  const layout = useMemo(() => layoutMesh(ids, mesh.links), [topology]);
  const adjacency = useMemo(() => linksByNode(mesh), [mesh]);
  const routeEdges = useMemo(() => new Set((route ?? []).slice(1).map((id, i) => pairKey(route![i]!, id))), [route]);
  const roving = useRovingFocus(ids, layout.positions, selectedId, onSelect);
  const { x, y, width, height } = layout.viewBox;
  return (
    <svg
      class="mesh-svg"
      viewBox={`${x} ${y} ${width} ${height}`}
      role="group"
      aria-label={`Mesh graph, ${mesh.nodes.length} nodes. Arrow keys move between nodes; Enter or Space selects one.`}
    >
      <LinksLayer links={mesh.links} positions={layout.positions} route={routeEdges} />
      {mesh.nodes.map((n) => (
        <GraphNode
          key={n.id}
          node={n}
          pos={layout.positions.get(n.id)}
          live={adjacency.get(n.id)?.live.length ?? 0}
          selected={n.id === selectedId}
          onRoute={!!route?.includes(n.id)}
          tabIndex={n.id === roving.tabStop ? 0 : -1}
          nodeRef={roving.refFor(n.id)}
          onSelect={() => roving.select(n.id)}
          onKeyDown={roving.onKeyDown(n.id)}
        />
      ))}
    </svg>
  );
}

interface NodeProps {
  node: MeshNode;
  pos: { x: number; y: number } | undefined;
  live: number;
  selected: boolean;
  onRoute: boolean;
  tabIndex: number;
  nodeRef: (el: SVGGElement | null) => void;
  onSelect: () => void;
  onKeyDown: (e: KeyboardEvent) => void;
}

function GraphNode({ node, pos, live, selected, onRoute, tabIndex, nodeRef, onSelect, onKeyDown }: NodeProps) {
  if (!pos) return null;
  const name = `${node.id}, ${node.label}: ${node.state}${node.protected ? ", protected" : ""}, ${live} live link${live === 1 ? "" : "s"}`;
  return (
    <g
      ref={nodeRef}
      class={`mesh-node${selected ? " selected" : ""}${onRoute ? " on-route" : ""}`}
      transform={`translate(${pos.x.toFixed(1)} ${pos.y.toFixed(1)})`}
      role="button"
      aria-pressed={selected}
      aria-label={name}
      // Lower-case: on SVG elements Preact sets attributes verbatim, and only `tabindex` makes them focusable.
      tabindex={tabIndex}
      data-node-id={node.id}
      data-state={node.state}
      onClick={onSelect}
      onKeyDown={onKeyDown}
    >
      <circle class="mesh-halo" r={R + 7} />
      {node.protected && <circle class="mesh-protected" r={R + 4} />}
      <StateShape state={node.state} />
      <text class="mesh-label" y={R + 13} text-anchor="middle">
        {node.id}
      </text>
    </g>
  );
}

/** The key to the picture, in words: every state, marker and line style named in text. */
export function MeshLegend() {
  const swatch = (children: ComponentChildren) => (
    <svg class="mesh-swatch" viewBox="-16 -16 32 32" aria-hidden="true">
      {children}
    </svg>
  );
  const line = (cls: string) => swatch(<line class={`mesh-link ${cls}`} x1={-14} y1={0} x2={14} y2={0} />);
  return (
    <ul class="mesh-legend" aria-label="Legend">
      {(["NOMINAL", "WARNING", "CRITICAL", "ISOLATED"] as const).map((s) => (
        <li key={s}>
          {swatch(<StateShape state={s} r={8} />)} {s.charAt(0) + s.slice(1).toLowerCase()}
        </li>
      ))}
      <li>{swatch(<circle class="mesh-protected" r={12} />)} Protected (outer ring)</li>
      <li>{line("live")} Live link (solid)</li>
      <li>{line("severed")} Severed link (dashed)</li>
      <li>{line("live on-route")} Rerouted path (thick blue)</li>
      <li>{swatch(<circle class="mesh-halo legend-selected" r={12} />)} Selected (yellow ring)</li>
    </ul>
  );
}

/** A node's state as text, with its shape and colour beside it. */
export function StateBadge({ state }: { state: NodeState }) {
  return (
    <span class={`badge mesh-state state-${state.toLowerCase()}`}>
      <svg class="mesh-swatch small" viewBox="-16 -16 32 32" aria-hidden="true">
        <StateShape state={state} r={9} />
      </svg>
      {state}
    </span>
  );
}
