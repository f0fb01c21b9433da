import { useState } from "preact/hooks";
import { api } from "./api";

/** The shapes of functions/command/mesh-routes.ts and approval-routes.ts, as the API returns them. */
export const NODE_STATES = ["NOMINAL", "WARNING", "CRITICAL", "ISOLATED"] as const;
export type NodeState = (typeof NODE_STATES)[number];

export interface MeshNode {
  id: string;
  label: string;
  systemType: string;
  region: string;
  state: NodeState;
  protected: boolean;
  isolatedAt: string | null;
}

export interface MeshLink {
  sourceId: string;
  targetId: string;
  weight: number;
  severed: boolean;
}

export interface Mesh {
  nodes: MeshNode[];
  links: MeshLink[];
}

export type ApprovalAction = "isolate-node" | "restore-node";
export const APPROVAL_STATUSES = ["pending", "executed", "rejected", "expired", "failed"] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export interface Approval {
  id: string;
  action: ApprovalAction;
  nodeId: string;
  reason: string | null;
  status: ApprovalStatus;
  requestedBy: string;
  requestedAt: string;
  expiresAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  outcome: Record<string, unknown> | null;
}

export interface RerouteResult {
  success: true;
  sourceId: string;
  targetId: string;
  newRoute: string[];
  reroutedAt: string;
}

/** Nodes and links together, so the graph never draws links against another moment's nodes. */
export async function fetchMesh(signal: AbortSignal): Promise<Mesh> {
  const [n, l] = await Promise.all([
    api.get<{ nodes: MeshNode[] }>("/api/mesh/nodes", undefined, signal),
    api.get<{ links: MeshLink[] }>("/api/mesh/links", undefined, signal),
  ]);
  return { nodes: n.nodes, links: l.links };
}

export const fetchApprovals = (status: ApprovalStatus | "", signal: AbortSignal) =>
  api.get<{ approvals: Approval[] }>("/api/approvals", { status }, signal).then((r) => r.approvals);

/** The other end of a link, seen from `id`; null when the link does not touch it. */
export const otherEnd = (l: MeshLink, id: string): string | null =>
  l.sourceId === id ? l.targetId : l.targetId === id ? l.sourceId : null;

export interface NodeLinks {
  live: string[];
  severed: string[];
}

/** Each node's neighbours over live and over severed links. */
export function linksByNode(mesh: Mesh): Map<string, NodeLinks> {
  const out = new Map<string, NodeLinks>(mesh.nodes.map((n) => [n.id, { live: [], severed: [] }]));
  for (const l of mesh.links)
    for (const [a, b] of [
      [l.sourceId, l.targetId],
      [l.targetId, l.sourceId],
    ] as const) {
      const entry = out.get(a) ?? out.set(a, { live: [], severed: [] }).get(a)!;
      (l.severed ? entry.severed : entry.live).push(b);
    }
  return out;
}

/** The user id behind an actor string ("session:usr_…", "user:usr_…"), as the server compares them. */
export const actorUserId = (actor: string): string => actor.split(":")[1] ?? actor;

export interface Command<T> {
  busy: boolean;
  result: T | undefined;
  error: unknown;
  /** Runs `fn` once (ignored while busy); resolves with the result, or undefined on failure. */
  run: (fn: () => Promise<T>) => Promise<T | undefined>;
  clear: () => void;
}

/** One command's lifecycle: the API's answer or its error, kept until the next run. */
export function useCommand<T>(): Command<T> {
  const [state, setState] = useState<{ busy: boolean; result: T | undefined; error: unknown }>({
    busy: false,
    result: undefined,
    error: null,
  });
  const run = async (fn: () => Promise<T>) => {
    if (state.busy) return undefined;
    setState({ busy: true, result: undefined, error: null });
    try {
      const result = await fn();
      setState({ busy: false, result, error: null });
      return result;
    } catch (error) {
      setState({ busy: false, result: undefined, error });
      return undefined;
    }
  };
  return { ...state, run, clear: () => setState({ busy: false, result: undefined, error: null }) };
}
