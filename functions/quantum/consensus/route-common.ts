import type { Context } from "hono";
import { database } from "../../platform/db";
import type { AppEnv } from "../../platform/types";
import { quantumGuard, quantumSecurity } from "../guard";
import type { ConsensusDeps } from "./service";

/** What the consensus and agent route modules share: the quantum guard, security and dependencies. */
export const consensusCommon = {
  tags: ["Quantum defense: Byzantine consensus"],
  middleware: quantumGuard(),
};

export const securityFor = quantumSecurity;

export const consensusDeps = (c: Context<AppEnv>): ConsensusDeps => ({ env: c.env, db: database(c.env.DB), log: c.get("log") });
