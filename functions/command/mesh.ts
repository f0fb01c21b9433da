import { authoriseByCertificate, recordOutcome } from "./consensus-authority";
import { and, eq, isNull } from "drizzle-orm";
import { meshLinks, meshNodes, meshRoutes, type SystemType } from "../../schema";
import type { Principal } from "../platform/auth/principal";
import { isUniqueViolation, type Database } from "../platform/db";
import { ApiError, conflict, notFound } from "../platform/errors";
import { emitEvent } from "../platform/events/emit";
import type { Logger } from "../platform/log";
import { shortestPath } from "./routing";

export type MeshNode = typeof meshNodes.$inferSelect;

export const nodeView = (n: MeshNode) => ({
  id: n.id,
  label: n.label,
  systemType: n.systemType,
  region: n.region,
  state: n.state,
  protected: n.protected,
  isolatedAt: n.isolatedAt === null ? null : new Date(n.isolatedAt).toISOString(),
});

export const listNodes = (db: Database, tenantId: string) =>
  db.select().from(meshNodes).where(eq(meshNodes.tenantId, tenantId)).orderBy(meshNodes.id);

export async function getNode(db: Database, tenantId: string, id: string): Promise<MeshNode> {
  const node = await db
    .select()
    .from(meshNodes)
    .where(and(eq(meshNodes.tenantId, tenantId), eq(meshNodes.id, id)))
    .get();
  if (!node) throw notFound(`Node '${id}'`, { nodeId: id });
  return node;
}

/**
 * The node an event or correlation names, by id or else by label: two indexed lookups, because
 * SQLite answers `id = ? OR label = ?` by scanning the tenant's nodes.
 */
export async function findNodeByName(db: Database, tenantId: string, name: string): Promise<MeshNode | undefined> {
  const byId = await db
    .select()
    .from(meshNodes)
    .where(and(eq(meshNodes.tenantId, tenantId), eq(meshNodes.id, name)))
    .get();
  return (
    byId ??
    db
      .select()
      .from(meshNodes)
      .where(and(eq(meshNodes.tenantId, tenantId), eq(meshNodes.label, name)))
      .get()
  );
}

export interface NewNode {
  id: string;
  label: string;
  systemType: SystemType;
  region: string;
  protected?: boolean;
}

export async function createNode(db: Database, tenantId: string, input: NewNode): Promise<MeshNode> {
  try {
    const [row] = await db
      .insert(meshNodes)
      .values({ tenantId, ...input })
      .returning();
    return row!;
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`Node '${input.id}' already exists`, { nodeId: input.id });
    throw err;
  }
}

export const listLinks = (db: Database, tenantId: string) => db.select().from(meshLinks).where(eq(meshLinks.tenantId, tenantId));

/** Links are undirected: stored once, endpoints in sorted order. */
export async function createLink(db: Database, tenantId: string, a: string, b: string, weight: number) {
  if (a === b) throw new ApiError("invalid_request", "A link joins two different nodes", { field: "targetId" });
  await Promise.all([getNode(db, tenantId, a), getNode(db, tenantId, b)]);
  const [sourceId, targetId] = a < b ? [a, b] : [b, a];
  try {
    const [row] = await db.insert(meshLinks).values({ tenantId, sourceId, targetId, weight }).returning();
    return row!;
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`Nodes '${a}' and '${b}' are already linked`);
    throw err;
  }
}

interface Executed {
  action: string;
  severity: "critical" | "high" | "medium" | "low";
  description: string;
  details: Record<string, unknown>;
  system?: string;
  systemType?: SystemType;
}

/** Who ran a command: a principal, or Vigil itself (a remediation rolled back when it expired). */
export type CommandActor = Pick<Principal, "tenantId" | "id"> & { kind: Principal["kind"] | "system" };

/** Every executed command goes to the tenant's hash-chained audit log, then into the pipeline. */
export async function commandExecuted(env: Env, p: CommandActor, log: Logger, c: Executed) {
  const actor = `${p.kind}:${p.id}`;
  await env.TENANT_HUB.getByName(p.tenantId).appendAudit(actor, c.action, JSON.stringify(c.details));
  await emitEvent(
    env,
    {
      tenantId: p.tenantId,
      source: "command",
      type: "command.executed",
      severity: c.severity,
      system: c.system,
      systemType: c.systemType,
      description: c.description,
      details: { command: c.action, ...c.details, actor },
    },
    log,
  );
}

/**
 * A node's links, as two conditions that each use an index (the primary key by source, the
 * target index by target): SQLite would answer `source_id = ? OR target_id = ?` with a scan.
 */
export const linkEnds = (tenantId: string, nodeId: string) => [
  and(eq(meshLinks.tenantId, tenantId), eq(meshLinks.sourceId, nodeId)),
  and(eq(meshLinks.tenantId, tenantId), eq(meshLinks.targetId, nodeId)),
];

/** Severs every active link of the node and marks it ISOLATED, in one batch; returns how many links it severed. */
export async function applyIsolation(db: Database, tenantId: string, nodeId: string, now: number) {
  const [asSource, asTarget] = linkEnds(tenantId, nodeId).map((end) =>
    db
      .update(meshLinks)
      .set({ severedAt: now })
      .where(and(end, isNull(meshLinks.severedAt)))
      .returning({ sourceId: meshLinks.sourceId }),
  );
  const [, a, b] = await db.batch([
    db
      .update(meshNodes)
      .set({ state: "ISOLATED", isolatedAt: now })
      .where(and(eq(meshNodes.tenantId, tenantId), eq(meshNodes.id, nodeId))),
    asSource!,
    asTarget!,
  ]);
  return a.length + b.length;
}

export const assertIsolatable = (node: MeshNode) => {
  if (node.state === "ISOLATED") throw conflict(`Node '${node.id}' is already isolated`, { nodeId: node.id });
};

/**
 * A protected node is isolated only with a second person's approval (POST /api/approvals) or on
 * the authority of a consensus certificate for exactly this command (`consensusSequence`).
 */
export async function isolateNode(env: Env, db: Database, p: Principal, nodeId: string, log: Logger, consensusSequence?: number) {
  const node = await getNode(db, p.tenantId, nodeId);
  assertIsolatable(node);
  if (node.protected && consensusSequence === undefined)
    throw new ApiError(
      "forbidden",
      `Node '${nodeId}' is protected: request the isolation with POST /api/approvals and have a second user approve it, or present a consensus certificate (consensusSequence)`,
      { nodeId, approval: "required" },
    );
  const authority = node.protected ? await authoriseByCertificate(env, db, p, node, consensusSequence!) : null;
  const now = Date.now();
  const severed = await applyIsolation(db, p.tenantId, nodeId, now);
  const result = { success: true as const, nodeId, isolatedAt: new Date(now).toISOString(), severedConnections: severed };
  if (authority) await recordOutcome(db, authority.approvalId, result);
  await commandExecuted(env, p, log, {
    action: "isolate-node",
    severity: "high",
    system: node.label,
    systemType: node.systemType,
    description: `Node ${nodeId} isolated${authority ? ` on consensus certificate ${authority.sequence}` : ""}; ${severed} connections severed`,
    details: { nodeId, severedConnections: severed, ...(authority && { consensus: authority }) },
  });
  return result;
}

/** The true shortest path over active links, never through ISOLATED or CRITICAL nodes; stored as the active route. */
export async function reroute(env: Env, db: Database, p: Principal, sourceId: string, targetId: string, log: Logger) {
  const [source, target] = await Promise.all([getNode(db, p.tenantId, sourceId), getNode(db, p.tenantId, targetId)]);
  for (const n of [source, target])
    if (n.state === "ISOLATED") throw conflict(`Node '${n.id}' is isolated and cannot carry traffic`, { nodeId: n.id });
  const [nodes, links] = await Promise.all([listNodes(db, p.tenantId), listLinks(db, p.tenantId)]);
  const blocked = new Set(nodes.filter((n) => n.state === "ISOLATED" || n.state === "CRITICAL").map((n) => n.id));
  const active = links.filter((l) => l.severedAt === null).map((l) => ({ a: l.sourceId, b: l.targetId, weight: l.weight }));
  const route = shortestPath(active, sourceId, targetId, blocked);
  if (!route)
    throw conflict(`No route from '${sourceId}' to '${targetId}' avoids isolated and critical nodes`, { sourceId, targetId });
  const now = Date.now();
  await db
    .insert(meshRoutes)
    .values({ tenantId: p.tenantId, sourceId, targetId, path: route.path, cost: route.cost, createdAt: now })
    .onConflictDoUpdate({
      target: [meshRoutes.tenantId, meshRoutes.sourceId, meshRoutes.targetId],
      set: { path: route.path, cost: route.cost, createdAt: now },
    });
  await commandExecuted(env, p, log, {
    action: "reroute",
    severity: "medium",
    description: `Traffic from ${sourceId} to ${targetId} rerouted via ${route.path.join(" → ")}`,
    details: { sourceId, targetId, newRoute: route.path, cost: route.cost },
  });
  return { success: true as const, sourceId, targetId, newRoute: route.path, reroutedAt: new Date(now).toISOString() };
}
