import { and, eq } from "drizzle-orm";
import { consensusAgents } from "../schema/consensus";
import { sha256Hex } from "../functions/platform/crypto";
import { database } from "../functions/platform/db";
import { emitEvent } from "../functions/platform/events/emit";
import type { NewEvent } from "../functions/platform/events/model";
import type { Logger } from "../functions/platform/log";
import type { AgentRow } from "./consensus-store";

/**
 * What leaves the ConsensusCluster after its own storage has changed: the agents' live fields,
 * copied to the D1 registry, and the queued pipeline events. Both are retried until they succeed
 * (the object's alarm comes back while anything is pending) and both are idempotent: a copy is
 * keyed by the agent's revision, an event by an id derived from its outbox key.
 */

export const eventIdFor = async (clusterId: string, key: string) =>
  `evt_cns_${(await sha256Hex(`${clusterId}:${key}`)).slice(0, 40)}`;

export function hasPending(sql: SqlStorage): boolean {
  return sql.exec("SELECT 1 FROM agents WHERE rev > mirrored_rev UNION ALL SELECT 1 FROM outbox LIMIT 1").toArray().length > 0;
}

export async function pushOut(env: Env, sql: SqlStorage, clusterId: string, log: Logger): Promise<void> {
  await mirrorAgents(env, sql, clusterId);
  await emitQueued(env, sql, clusterId, log);
}

async function mirrorAgents(env: Env, sql: SqlStorage, tenantId: string): Promise<void> {
  const dirty = sql.exec<AgentRow & Record<string, SqlStorageValue>>("SELECT * FROM agents WHERE rev > mirrored_rev").toArray();
  if (!dirty.length) return;
  const db = database(env.DB);
  const now = Date.now();
  const updates = dirty.map((a) =>
    db
      .update(consensusAgents)
      .set({
        status: a.status,
        reputation: a.reputation,
        lastHeartbeat: a.last_heartbeat,
        roundsAssigned: a.rounds_assigned,
        tasksCompleted: a.tasks_completed,
        meanResponseMs: a.response_samples ? a.response_ms_total / a.response_samples : null,
        cpuUsage: a.cpu_usage,
        memoryUsage: a.memory_usage,
        invalidSignatures: a.invalid_signatures,
        deactivatedAt: a.deactivated_at,
        updatedAt: now,
      })
      .where(and(eq(consensusAgents.id, a.id), eq(consensusAgents.tenantId, tenantId))),
  );
  await db.batch(updates as [(typeof updates)[number], ...typeof updates]);
  // A change made while the batch was in flight has a higher rev and stays pending.
  for (const a of dirty) sql.exec("UPDATE agents SET mirrored_rev = ? WHERE id = ? AND mirrored_rev < ?", a.rev, a.id, a.rev);
}

async function emitQueued(env: Env, sql: SqlStorage, clusterId: string, log: Logger): Promise<void> {
  const queued = sql.exec<{ id: string; event: string }>("SELECT id, event FROM outbox ORDER BY created_at, id").toArray();
  for (const row of queued) {
    const event = JSON.parse(row.event) as NewEvent;
    await emitEvent(env, { ...event, id: await eventIdFor(clusterId, row.id) }, log);
    sql.exec("DELETE FROM outbox WHERE id = ?", row.id);
  }
}
