import { and, desc, eq, gt, lte, type SQL } from "drizzle-orm";
import { canaryHits, canaryTokens } from "../../../schema";
import { encryptText, randomToken, base64url } from "../../platform/auth/keys";
import type { Principal } from "../../platform/auth/principal";
import { sha256Hex } from "../../platform/crypto";
import type { Database } from "../../platform/db";
import { notFound } from "../../platform/errors";
import { hasQuantumScope, requireQuantumScope, type QuantumScope } from "../detection/access";
import { check, cryptoRandom, decodeState, encodeState, prepare, type Random } from "./bb84";
import type { DeployInput, ListStatus } from "./schemas";
import { recordTestTrigger, type CanaryToken, type Deps, type Visitor } from "./tripwire";
import { checkView, deployedView, hitView, SIMULATION_LABEL, statusOf, tokenView, type StoredSimulation } from "./views";

/** Deploying and testing need `quantum:write`; reading needs `quantum:read` (write implies it). */
export function requireCanaryScope(p: Principal, needed: QuantumScope): Principal {
  requireQuantumScope(p, needed);
  return p;
}

async function findToken(db: Database, tenantId: string, id: string): Promise<CanaryToken> {
  const row = await db
    .select()
    .from(canaryTokens)
    .where(and(eq(canaryTokens.id, id), eq(canaryTokens.tenantId, tenantId)))
    .get();
  // Another tenant's token answers exactly like a missing one.
  if (!row) throw notFound("Canary token", { token_id: id });
  return row;
}

/**
 * Mints the tripwire (a 256-bit URL token and a decoy key, stored only as SHA-256 for lookup and
 * encrypted for the owner), prepares the simulated state and runs an undisturbed baseline check,
 * so a fresh token's status already shows QBER 0 and S ≈ 2√2.
 */
export async function deployToken(
  { env, db }: Deps,
  p: Principal,
  input: DeployInput,
  origin: string,
  rand: Random = cryptoRandom(),
) {
  requireCanaryScope(p, "quantum:write");
  const urlToken = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const decoy = randomToken("vgl");
  const prep = prepare(input.num_qubits, input.entanglement_pairs, rand);
  const now = Date.now();
  const simulation: StoredSimulation = {
    quantum_state: encodeState(prep),
    last_check: { ...check(prep, false, rand), at: new Date(now).toISOString() },
  };
  const [row] = await db
    .insert(canaryTokens)
    .values({
      id: crypto.randomUUID(),
      tenantId: p.tenantId,
      zone: input.deployment_zone,
      numQubits: input.num_qubits,
      entanglementPairs: input.entanglement_pairs,
      metadata: input.metadata,
      simulation: simulation as unknown as Record<string, unknown>,
      monitorHash: await sha256Hex(urlToken),
      decoyHash: await sha256Hex(decoy),
      secretsCiphertext: await encryptText(env.AUTH_SECRET, JSON.stringify({ url_token: urlToken, decoy })),
      createdAt: now,
      expiresAt: now + input.lifetime_seconds * 1000,
    })
    .returning();
  return deployedView(row!, origin, env.AUTH_SECRET);
}

export interface ListFilter {
  zone?: CanaryToken["zone"];
  status?: ListStatus;
  limit: number;
}

/** The same three states `statusOf` reports, as SQL over the row. */
function statusCondition(status: ListStatus, now: number): SQL | undefined {
  const live = gt(canaryTokens.expiresAt, now);
  if (status === "expired") return lte(canaryTokens.expiresAt, now);
  return and(live, eq(canaryTokens.status, status));
}

export async function listTokens({ env, db }: Deps, p: Principal, filter: ListFilter, origin: string) {
  requireCanaryScope(p, "quantum:read");
  const rows = await db
    .select()
    .from(canaryTokens)
    .where(
      and(
        eq(canaryTokens.tenantId, p.tenantId),
        filter.zone ? eq(canaryTokens.zone, filter.zone) : undefined,
        filter.status ? statusCondition(filter.status, Date.now()) : undefined,
      ),
    )
    .orderBy(desc(canaryTokens.createdAt))
    .limit(filter.limit);
  const withSecrets = hasQuantumScope(p, "quantum:write");
  return { tokens: await Promise.all(rows.map((row) => tokenView(row, origin, env.AUTH_SECRET, withSecrets))) };
}

const RECENT_HITS = 20;

export async function tokenStatus({ env, db }: Deps, p: Principal, id: string, origin: string) {
  requireCanaryScope(p, "quantum:read");
  const row = await findToken(db, p.tenantId, id);
  const hits = await db
    .select()
    .from(canaryHits)
    .where(eq(canaryHits.tokenId, row.id))
    .orderBy(desc(canaryHits.at), desc(canaryHits.id))
    .limit(RECENT_HITS);
  const sim = row.simulation as unknown as StoredSimulation;
  return {
    ...(await tokenView(row, origin, env.AUTH_SECRET, hasQuantumScope(p, "quantum:write"))),
    last_check: checkView(sim.last_check),
    recent_hits: hits.map(hitView),
  };
}

/**
 * The seed's collapse test: re-checks the token with an intercept-resend eavesdropper in the
 * channel. The check replaces the stored one, a detected disturbance collapses the token for good,
 * and a test-flagged trigger runs the whole alert path (live stream, incidents, webhooks).
 */
export async function collapseTest(deps: Deps, p: Principal, id: string, visitor: Visitor, rand: Random = cryptoRandom()) {
  requireCanaryScope(p, "quantum:write");
  const row = await findToken(deps.db, p.tenantId, id);
  const sim = row.simulation as unknown as StoredSimulation;
  const result = { ...check(decodeState(sim.quantum_state), true, rand), at: new Date().toISOString() };
  const stored: StoredSimulation = { ...sim, last_check: result };
  const status = result.disturbed ? "collapsed" : row.status;
  const [updated] = await deps.db
    .update(canaryTokens)
    .set({ simulation: stored as unknown as Record<string, unknown>, status })
    .where(eq(canaryTokens.id, row.id))
    .returning();
  const detail = `collapse test by ${p.kind} ${p.id}`;
  const eventId = await recordTestTrigger(deps, updated!, { channel: "collapse_test", visitor, detail }, checkView(result));
  return {
    token_id: row.id,
    test: "intercept_resend" as const,
    collapsed: updated!.status === "collapsed",
    status: statusOf(updated!),
    check: checkView(result),
    event_id: eventId,
    simulation: SIMULATION_LABEL,
  };
}
