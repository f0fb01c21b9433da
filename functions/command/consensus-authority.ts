import { eq } from "drizzle-orm";
import { commandApprovals } from "../../schema";
import type { Principal } from "../platform/auth/principal";
import { sha256Hex } from "../platform/crypto";
import { isUniqueViolation, type Database } from "../platform/db";
import { ApiError, conflict } from "../platform/errors";
import type { MeshNode } from "./mesh";

/**
 * The command console's policy hook for Byzantine consensus: a protected node may be isolated on
 * the authority of a quorum certificate instead of a second user's approval. The tenant's defence
 * agents must have committed exactly this value — the command, its tenant and its node — so a
 * certificate for anything else authorises nothing.
 */
export const isolationValue = (tenantId: string, nodeId: string) => `vigil-command:isolate-node:${tenantId}:${nodeId}`;

/** A certificate older than this no longer speaks for the cluster: the situation has moved on. */
export const CERTIFICATE_MAX_AGE_MS = 10 * 60_000;

const refuse = (message: string, details: Record<string, unknown>) =>
  new ApiError("forbidden", message, { approval: "consensus_certificate", ...details });

/**
 * Checks the certificate at `sequence` and spends it: the approvals table records it under an id
 * derived from the tenant and sequence, so a second use is 409 and the record lists with the
 * other approvals. Returns that record's id, for the isolation's audit entry.
 */
export async function authoriseByCertificate(env: Env, db: Database, p: Principal, node: MeshNode, sequence: number) {
  const found = await env.CONSENSUS_CLUSTER.getByName(p.tenantId).certificate(sequence);
  if (!found?.certificate) throw refuse(`No committed consensus certificate at sequence ${sequence}`, { sequence });
  const cert = found.certificate;
  const value = isolationValue(p.tenantId, node.id);
  if (cert.digest !== (await sha256Hex(value)))
    throw refuse(`Certificate ${sequence} does not authorise isolating '${node.id}'`, { sequence, expected_value: value });
  const now = Date.now();
  if (now - Date.parse(cert.committed_at) > CERTIFICATE_MAX_AGE_MS)
    throw refuse(`Certificate ${sequence} is older than ${CERTIFICATE_MAX_AGE_MS / 60_000} minutes`, { sequence });
  const id = `apr_${(await sha256Hex(`${p.tenantId}:consensus:${sequence}`)).slice(0, 32)}`;
  const signers = cert.signatures.map((s) => s.agent_id);
  try {
    await db.insert(commandApprovals).values({
      id,
      tenantId: p.tenantId,
      action: "isolate-node",
      nodeId: node.id,
      reason: `consensus certificate ${sequence} (${signers.length} of ${cert.n} agents)`,
      status: "executed",
      requestedBy: `${p.kind}:${p.id}`,
      decidedBy: `consensus:${sequence}`,
      decidedAt: now,
      expiresAt: now,
      createdAt: now,
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`Certificate ${sequence} has already been used`, { sequence });
    throw err;
  }
  return { approvalId: id, sequence, signers };
}

export async function recordOutcome(db: Database, approvalId: string, outcome: Record<string, unknown>) {
  await db.update(commandApprovals).set({ outcome }).where(eq(commandApprovals.id, approvalId));
}
