import { and, eq, gt, inArray } from "drizzle-orm";
import { meshKeys, meshLinks, meshNodes } from "../../schema";
import { conflict } from "../platform/errors";
import { selectInChunks, type Database } from "../platform/db";
import { linkEnds, type MeshNode } from "./mesh";

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
  const ends = await Promise.all(linkEnds(node.tenantId, node.id).map((end) => db.select().from(meshLinks).where(end)));
  const severedWithIt = ends.flat().filter((l) => l.severedAt === node.isolatedAt);
  const other = (l: { sourceId: string; targetId: string }) => (l.sourceId === node.id ? l.targetId : l.sourceId);
  const neighbours = await selectInChunks(severedWithIt.map(other), (part) =>
    db
      .select({ id: meshNodes.id, state: meshNodes.state })
      .from(meshNodes)
      .where(and(eq(meshNodes.tenantId, node.tenantId), inArray(meshNodes.id, part))),
  );
  const isolated = new Set(neighbours.filter((n) => n.state === "ISOLATED").map((n) => n.id));
  const rejoin = severedWithIt.filter((l) => !isolated.has(other(l)));
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
