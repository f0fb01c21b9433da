import { and, eq } from "drizzle-orm";
import { meshNodes, type NodeState } from "../../schema";
import { PIPELINE_OUTPUT_TYPES } from "../platform/events/model";
import { subscribeToEvents } from "../platform/events/subscribers";
import { findNodeByName } from "./mesh";

/** Each critical event against a node's system moves it one step toward CRITICAL; isolation is only undone by command. */
const NEXT: Record<NodeState, NodeState> = {
  NOMINAL: "WARNING",
  WARNING: "CRITICAL",
  CRITICAL: "CRITICAL",
  ISOLATED: "ISOLATED",
};

/**
 * Node state follows the events: the event's `system` names the node (by id or label). Applied
 * once per event (the transition is recorded against the event id), so a redelivered job does
 * not push a node twice.
 */
subscribeToEvents("command.node-states", async (event, { db }) => {
  if (event.severity !== "critical" || !event.system || PIPELINE_OUTPUT_TYPES.includes(event.type)) return;
  const node = await findNodeByName(db, event.tenantId, event.system);
  if (!node || node.lastEventId === event.id || NEXT[node.state] === node.state) return;
  await db
    .update(meshNodes)
    .set({ state: NEXT[node.state], lastEventId: event.id })
    .where(and(eq(meshNodes.tenantId, event.tenantId), eq(meshNodes.id, node.id), eq(meshNodes.state, node.state)));
});
