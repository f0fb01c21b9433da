import { and, eq, gt } from "drizzle-orm";
import { meshKeys, meshLinks, meshNodes } from "../../schema";
import { conflict } from "../platform/errors";
import type { Database } from "../platform/db";
import { listLinks, listNodes, type MeshNode } from "./mesh";

/**
 * An isolated node may rejoin only after the mesh key it could have leaked has been replaced:
 * some key must have been created after the moment of isolation.
 */
export async function assertRestorable(db: Database, node: MeshNode) {
  if (node.state !== "ISOLATED" || node.isolatedAt === null)
    throw conflict(`Node '${node.id}' is not isolated`, { nodeId: node.id, state: node.state });
  const rotated = await db
    .select({ id: meshKeys.id })
    .from(meshKeys)
    .where(and(eq(meshKeys.tenantId, node.tenantId), gt(meshKeys.createdAt, node.isolatedAt)))
    .get();
  if (!rotated)
    throw conflict(`Node '${node.id}' was isolated at ${new Date(node.isolatedAt).toISOString()}: rotate the mesh keys first`, {
      nodeId: node.id,
      isolatedAt: new Date(node.isolatedAt).toISOString(),
      requires: "POST /api/rotate-keys",
    });
}

/**
 * Returns the node to NOMINAL and re-establishes exactly the links its isolation severed
 * (severed at the isolation instant), except those whose other end is itself isolated.
 */
export async function applyRestore(db: Database, node: MeshNode, now: number) {
  const [nodes, links] = await Promise.all([listNodes(db, node.tenantId), listLinks(db, node.tenantId)]);
  const isolated = new Set(nodes.filter((n) => n.state === "ISOLATED" && n.id !== node.id).map((n) => n.id));
  const rejoin = links.filter(
    (l) =>
      l.severedAt === node.isolatedAt &&
      (l.sourceId === node.id || l.targetId === node.id) &&
      !isolated.has(l.sourceId === node.id ? l.targetId : l.sourceId),
  );
  const reopen = rejoin.map((l) =>
    db
      .update(meshLinks)
      .set({ severedAt: null })
      .where(and(eq(meshLinks.tenantId, node.tenantId), eq(meshLinks.sourceId, l.sourceId), eq(meshLinks.targetId, l.targetId))),
  );
  await db.batch([
    db
      .update(meshNodes)
      .set({ state: "NOMINAL", isolatedAt: null })
      .where(and(eq(meshNodes.tenantId, node.tenantId), eq(meshNodes.id, node.id))),
    ...reopen,
  ]);
  return { success: true as const, nodeId: node.id, restoredAt: new Date(now).toISOString(), restoredConnections: rejoin.length };
}
