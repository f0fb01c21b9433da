import { forceCollide, forceLink, forceManyBody, forceSimulation, forceX, forceY, type SimulationNodeDatum } from "d3-force";
import type { MeshLink } from "./mesh-api";

export interface Point {
  x: number;
  y: number;
}

export interface Layout {
  positions: Map<string, Point>;
  /** The SVG viewBox that frames every node with room for its label. */
  viewBox: { x: number; y: number; width: number; height: number };
}

interface SimNode extends SimulationNodeDatum {
  id: string;
}

const PADDING = 34;

/**
 * Positions the mesh with a force simulation run to rest up front (a fixed number of ticks,
 * never animated): a graph that keeps moving cannot be read or clicked. d3-force seeds nodes on
 * a phyllotaxis spiral and uses a seeded random source, so the same topology always gets the
 * same picture and a refresh that only changes states does not move anything.
 */
export function layoutMesh(nodeIds: readonly string[], links: readonly MeshLink[]): Layout {
  const nodes: SimNode[] = nodeIds.map((id) => ({ id }));
  const known = new Set(nodeIds);
  const edges = links
    .filter((l) => known.has(l.sourceId) && known.has(l.targetId))
    .map((l) => ({ source: l.sourceId, target: l.targetId }));
  const sim = forceSimulation(nodes)
    .force(
      "link",
      forceLink<SimNode, { source: string; target: string }>(edges)
        .id((d) => d.id)
        .distance(58),
    )
    .force("charge", forceManyBody().strength(-220))
    .force("collide", forceCollide(26))
    // A stronger pull sideways than up and down keeps the picture near 4:3, the panel's shape,
    // instead of the long band this kind of chained-ring mesh settles into by itself.
    .force("x", forceX(0).strength(0.05))
    .force("y", forceY(0).strength(0.02))
    .stop();
  // Enough ticks for alpha to decay from 1 to alphaMin at the default decay rate (~300).
  const ticks = Math.ceil(Math.log(sim.alphaMin()) / Math.log(1 - sim.alphaDecay()));
  sim.tick(ticks);
  const positions = new Map<string, Point>(nodes.map((n) => [n.id, { x: n.x ?? 0, y: n.y ?? 0 }]));
  return { positions, viewBox: frame([...positions.values()]) };
}

function frame(points: Point[]): Layout["viewBox"] {
  if (points.length === 0) return { x: -100, y: -60, width: 200, height: 120 };
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const x = Math.min(...xs) - PADDING;
  const y = Math.min(...ys) - PADDING;
  // A minimum size keeps a one- or two-node mesh from being blown up to fill the panel.
  const width = Math.max(Math.max(...xs) + PADDING - x, 240);
  const height = Math.max(Math.max(...ys) + PADDING + 12 - y, 160);
  return { x, y, width, height };
}

export type Direction = "left" | "right" | "up" | "down";

const VECTORS: Record<Direction, Point> = {
  left: { x: -1, y: 0 },
  right: { x: 1, y: 0 },
  up: { x: 0, y: -1 },
  down: { x: 0, y: 1 },
};

/**
 * The node an arrow key moves to: the nearest one lying in that direction, preferring nodes
 * straight ahead over ones far off to the side. Null when nothing lies that way.
 */
export function neighbourInDirection(from: string, dir: Direction, positions: Map<string, Point>): string | null {
  const origin = positions.get(from);
  if (!origin) return null;
  const v = VECTORS[dir];
  let best: { id: string; score: number } | null = null;
  for (const [id, p] of positions) {
    if (id === from) continue;
    const dx = p.x - origin.x;
    const dy = p.y - origin.y;
    const ahead = dx * v.x + dy * v.y;
    if (ahead <= 0) continue;
    const aside = Math.abs(dx * v.y - dy * v.x);
    const score = ahead + 2 * aside;
    if (!best || score < best.score) best = { id, score };
  }
  return best?.id ?? null;
}
