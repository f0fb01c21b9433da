import type { CommandActor } from "../../command/mesh";
import type { Database } from "../../platform/db";
import type { Logger } from "../../platform/log";

/** What one action runs against: the tenant, who runs it, and the remediation it belongs to. */
export interface EffectContext {
  env: Env;
  db: Database;
  log: Logger;
  tenantId: string;
  actor: CommandActor;
  remediationId: string;
  now: number;
  /** True when a second person approved the action (protected nodes need it). */
  approved: boolean;
}

export type { PlanStep } from "../../../schema";
import type { PlanStep } from "../../../schema";

export interface Applied {
  result: Record<string, unknown>;
  /** The prior state rollback puts back; null for an action that cannot be undone. */
  inverse: Record<string, unknown> | null;
}

/**
 * An action's real effect. `plan` checks every target exists in the tenant and is in a state
 * the action applies to (404 / 409 otherwise) and changes nothing; `apply` makes the change and
 * records its inverse; `undo` applies a recorded inverse, refusing (409) when the target has
 * moved on since, so a rollback never overwrites someone else's later change.
 */
export interface Effect<P> {
  plan(ctx: EffectContext, params: P): Promise<PlanStep[]>;
  apply(ctx: EffectContext, params: P): Promise<Applied>;
  undo(ctx: EffectContext, inverse: Record<string, unknown>): Promise<Record<string, unknown>>;
}

export const actorName = (a: CommandActor) => `${a.kind}:${a.id}`;
