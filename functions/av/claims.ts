import type { ClaimRecord } from "../../durable-objects/claim-ledger";
import type { Principal } from "../platform/auth/principal";
import { requireScope } from "../platform/auth/principal";
import type { Database } from "../platform/db";
import { ApiError } from "../platform/errors";
import { emitEvent } from "../platform/events/emit";
import type { Logger } from "../platform/log";
import { findMachine, type Machine } from "./machines";
import {
  BUILT_IN_CLAIM_TYPES,
  claimFingerprint,
  claimIndicator,
  compositeScore,
  DERIVED_HF,
  zeqondOf,
  type BuiltInClaimType,
  type HfScore,
} from "./scoring";

export interface Claim {
  claim_type: string;
  claim_payload: Record<string, unknown>;
  device_id: string;
  captured_at_zeqond: number;
  hf_scores?: HfScore[];
}

/** A claims key acts for the one machine it is bound to. */
export async function machineOfKey(db: Database, p: Principal): Promise<Machine> {
  requireScope(p, "write");
  if (!p.machine) throw new ApiError("forbidden", "This key is not bound to a machine", { required: "machine-bound key" });
  const machine = await findMachine(db, p.machine);
  if (machine.tenantId !== p.tenantId) throw new ApiError("machine_not_found", `No machine '${p.machine}'`, { slug: p.machine });
  return machine;
}

/** The agent's scores when it sent any; otherwise the built-in type's derived primary operator. */
function score(claim: Claim): { s: number | null; derived: string | null } {
  if (claim.hf_scores?.length) return { s: compositeScore(claim.hf_scores), derived: null };
  const rule = (BUILT_IN_CLAIM_TYPES as readonly string[]).includes(claim.claim_type)
    ? DERIVED_HF[claim.claim_type as BuiltInClaimType]
    : null;
  const value = rule?.derive(claim.claim_payload) ?? null;
  if (!rule || value === null) return { s: null, derived: null };
  return { s: Math.round(value * 1000) / 1000, derived: `${rule.hf_id} = ${rule.feature} (no hf_scores sent)` };
}

const eventIdOf = (auditRowId: string) => `evt_${auditRowId.replaceAll("-", "")}`;

async function announce(env: Env, machine: Machine, r: ClaimRecord, log: Logger) {
  await emitEvent(
    env,
    {
      id: eventIdOf(r.audit_row_id),
      tenantId: machine.tenantId,
      source: "av",
      type: "av.threat.detected",
      severity: r.s_forensic >= 0.95 ? "critical" : "high",
      system: machine.slug,
      systemType: "access",
      description: `${r.claim_type} on ${machine.slug}/${r.device_id} fired (s_forensic ${r.s_forensic})`,
      details: {
        slug: machine.slug,
        device_id: r.device_id,
        claim_type: r.claim_type,
        fingerprint: r.fingerprint,
        s_forensic: r.s_forensic,
        zeqond: r.zeqond,
        audit_row_id: r.audit_row_id,
      },
    },
    log,
  );
}

/** Every machine subscribed to this publisher's fires (or to this claim type) counts the fire once. */
async function fanOut(env: Env, publisher: Machine, r: ClaimRecord, indicator: string): Promise<string[]> {
  const subscribers = await env.MACHINE_STATE.getByName(publisher.slug).subscribers(r.claim_type);
  const fire = { publisher: publisher.slug, claimType: r.claim_type, auditRowId: r.audit_row_id, zeqond: r.zeqond, indicator };
  await Promise.all(subscribers.map((s) => env.MACHINE_STATE.getByName(s).publisherFired(fire)));
  return subscribers;
}

/**
 * A recorded fire that could not be announced must not look final: the agent gets a retryable 503
 * naming the recorded row. Emission and the mesh fan-out are idempotent (by event id; by audit row at
 * each subscriber), so the retried claim completes whatever the first attempt got through.
 */
async function notify(env: Env, machine: Machine, r: ClaimRecord, indicator: string, log: Logger): Promise<string[]> {
  try {
    const notified = await fanOut(env, machine, r, indicator);
    await announce(env, machine, r, log);
    return notified;
  } catch (err) {
    log.error("fired claim not announced", { slug: machine.slug, audit_row_id: r.audit_row_id, error: String(err) });
    throw new ApiError(
      "service_unavailable",
      "The claim is recorded but its alert could not be sent yet; retry the same claim",
      { audit_row_id: r.audit_row_id },
      { "Retry-After": "1" },
    );
  }
}

export async function ingestClaim(env: Env, machine: Machine, p: Principal, claim: Claim, log: Logger) {
  const { s, derived } = score(claim);
  const [fingerprint, indicator] = await Promise.all([claimFingerprint(claim), claimIndicator(claim)]);
  let record: ClaimRecord;
  try {
    record = await env.MACHINE_STATE.getByName(machine.slug).ingestClaim({
      actor: `${p.kind}:${p.id}`,
      device_id: claim.device_id,
      claim_type: claim.claim_type,
      captured_at_zeqond: claim.captured_at_zeqond,
      fingerprint,
      indicator,
      s_forensic: s,
      theta: machine.theta,
      now_zeqond: zeqondOf(Date.now()),
      derived,
    });
  } catch (err) {
    log.error("claim write failed", { slug: machine.slug, error: err instanceof Error ? err.message : String(err) });
    throw new ApiError("audit_write_failed", "The claim could not be recorded; nothing was written, retry it");
  }
  const notified = record.fired ? await notify(env, machine, record, indicator, log) : [];
  return {
    ok: true as const,
    audit_row_id: record.audit_row_id,
    zeqond: record.zeqond,
    s_forensic: record.s_forensic,
    fired: record.fired,
    blockers: record.blockers,
    notified,
    fingerprint: record.fingerprint,
  };
}
