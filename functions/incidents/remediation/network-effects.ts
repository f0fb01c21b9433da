import { and, eq, isNull } from "drizzle-orm";
import { blocklist, meshLinks } from "../../../schema";
import { applyIsolation, assertIsolatable, commandExecuted, getNode, linkEnds } from "../../command/mesh";
import { rotateKeys } from "../../command/mesh-keys";
import { applyRestore } from "../../command/restore";
import { forgetBlocks } from "../../platform/blocklist";
import { chunked } from "../../platform/db";
import { ApiError, conflict } from "../../platform/errors";
import { formatCidr, parseCidr } from "../../platform/ip";
import type { ActionParameters } from "./catalog";
import type { Effect, EffectContext } from "./effect";

/** A blocklist row binds seven values; D1 allows 100 a statement. */
const ROWS_PER_INSERT = 14;

const canonical = (addresses: string[]) => [...new Set(addresses.map((a) => formatCidr(parseCidr(a)!)))];
const expiry = (ctx: EffectContext, seconds?: number) => (seconds ? ctx.now + seconds * 1000 : null);

export const blockIp: Effect<ActionParameters["block_ip"]> = {
  async plan(ctx, p) {
    const until = expiry(ctx, p.duration);
    const when = until ? `until ${new Date(until).toISOString()}` : "until rolled back";
    return canonical(p.ip_addresses).map((cidr) => ({
      operation: "blocklist.add",
      target: cidr,
      detail: `Refuse the tenant's log ingestion, agent claims and incident creation from ${cidr} ${when}`,
    }));
  },
  async apply(ctx, p) {
    const cidrs = canonical(p.ip_addresses);
    const expiresAt = expiry(ctx, p.duration);
    const rows = cidrs.map((cidr) => ({
      tenantId: ctx.tenantId,
      cidr,
      remediationId: ctx.remediationId,
      policyName: p.policy_name ?? null,
      reason: `remediation ${ctx.remediationId}`,
      createdAt: ctx.now,
      expiresAt,
    }));
    const [first, ...rest] = chunked(rows, ROWS_PER_INSERT).map((part) => ctx.db.insert(blocklist).values(part));
    await ctx.db.batch([first!, ...rest]);
    forgetBlocks(ctx.tenantId);
    return {
      result: { blocked: cidrs, expires_at: expiresAt && new Date(expiresAt).toISOString() },
      inverse: { unblock: cidrs },
    };
  },
  async undo(ctx, inverse) {
    // Only this remediation's rows: a block another remediation holds on the same address stays.
    await ctx.db
      .delete(blocklist)
      .where(and(eq(blocklist.tenantId, ctx.tenantId), eq(blocklist.remediationId, ctx.remediationId)));
    forgetBlocks(ctx.tenantId);
    return { unblocked: inverse.unblock };
  },
};

async function activeLinkCount(ctx: EffectContext, nodeId: string) {
  const ends = await Promise.all(
    linkEnds(ctx.tenantId, nodeId).map((end) =>
      ctx.db
        .select({ s: meshLinks.sourceId })
        .from(meshLinks)
        .where(and(end, isNull(meshLinks.severedAt))),
    ),
  );
  return ends.flat().length;
}

export const isolateNode: Effect<ActionParameters["isolate_node"]> = {
  async plan(ctx, p) {
    const node = await getNode(ctx.db, ctx.tenantId, p.node_id);
    assertIsolatable(node);
    if (node.protected && !ctx.approved)
      throw new ApiError(
        "forbidden",
        `Node '${node.id}' is protected: execute with require_approval and have a second user approve`,
        {
          node_id: node.id,
          approval: "required",
        },
      );
    const links = await activeLinkCount(ctx, node.id);
    return [
      { operation: "mesh.isolate", target: node.id, detail: `Mark ${node.id} ISOLATED and sever its ${links} active link(s)` },
    ];
  },
  async apply(ctx, p) {
    const severed = await applyIsolation(ctx.db, ctx.tenantId, p.node_id, ctx.now);
    await commandExecuted(ctx.env, ctx.actor, ctx.log, {
      action: "isolate-node",
      severity: "high",
      description: `Node ${p.node_id} isolated by remediation ${ctx.remediationId}; ${severed} connections severed`,
      details: { nodeId: p.node_id, severedConnections: severed, remediationId: ctx.remediationId },
    });
    return {
      result: { node_id: p.node_id, severed_connections: severed },
      inverse: { node_id: p.node_id, isolated_at: ctx.now },
    };
  },
  async undo(ctx, inverse) {
    const node = await getNode(ctx.db, ctx.tenantId, String(inverse.node_id));
    if (node.state !== "ISOLATED" || node.isolatedAt !== inverse.isolated_at)
      throw conflict(`Node '${node.id}' has changed since this remediation isolated it; restore it from the command console`, {
        node_id: node.id,
        state: node.state,
      });
    const restored = await applyRestore(ctx.db, node, ctx.now);
    await commandExecuted(ctx.env, ctx.actor, ctx.log, {
      action: "restore-node",
      severity: "medium",
      description: `Node ${node.id} restored by rolling back remediation ${ctx.remediationId}`,
      details: { nodeId: node.id, restoredConnections: restored.restoredConnections, remediationId: ctx.remediationId },
    });
    return { node_id: node.id, restored_connections: restored.restoredConnections };
  },
};

export const rotateMeshKeys: Effect<ActionParameters["rotate_keys"]> = {
  async plan() {
    return [
      {
        operation: "mesh.rotate_keys",
        target: "mesh signing key",
        detail: "Issue a new hybrid signing key; the current one verifies for 24 h more",
      },
    ];
  },
  async apply(ctx) {
    const rotated = await rotateKeys(ctx.env, ctx.db, ctx.actor, ctx.log);
    return {
      result: { new_key_fingerprint: rotated.newKeyFingerprint, nodes_updated: rotated.nodesUpdated },
      inverse: null,
    };
  },
  async undo() {
    throw conflict("A key rotation cannot be rolled back: going back would re-trust a key that may have leaked");
  },
};
