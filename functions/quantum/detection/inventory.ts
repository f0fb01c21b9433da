import { eq, sql } from "drizzle-orm";
import { cryptoAssets } from "../../../schema";
import { chunked, MAX_BOUND_PARAMS, type Database } from "../../platform/db";
import type { AssetAssessment } from "./assess";

/**
 * The tenant's crypto inventory (`crypto_assets`): one row per fingerprint, refreshed on every
 * analysis that finds it again (times_seen + 1, last_seen, latest verdict). Only public facts are
 * stored: the assessment and the parser's details, never a private member or a JWT payload.
 */

const COLUMNS = 14;
const ROWS_PER_STATEMENT = Math.floor(MAX_BOUND_PARAMS / COLUMNS);

export interface Seen {
  fingerprint: string;
  firstSeen: number;
  timesSeen: number;
}

function row(tenantId: string, a: AssetAssessment, now: number) {
  const { fingerprint, kind, algorithm, key_bits, curve, subject, quantum_vulnerable, verdict, ...rest } = a;
  return {
    tenantId,
    fingerprint,
    kind,
    algorithm,
    keyBits: key_bits,
    curve,
    subject,
    notAfter: a.not_after ? Date.parse(a.not_after) : null,
    quantumVulnerable: quantum_vulnerable,
    verdict,
    details: { ...rest, harvest_now_decrypt_later: a.quantum.harvest_now_decrypt_later },
    firstSeen: now,
    lastSeen: now,
    timesSeen: 1,
  };
}

/** Upserts every assessed asset in one batch (one transaction); the same fingerprint twice counts once. */
export async function upsertAssets(db: Database, tenantId: string, assets: AssetAssessment[], now: number): Promise<Seen[]> {
  const unique = [...new Map(assets.map((a) => [a.fingerprint, a])).values()];
  const statements = chunked(unique, ROWS_PER_STATEMENT).map((part) =>
    db
      .insert(cryptoAssets)
      .values(part.map((a) => row(tenantId, a, now)))
      .onConflictDoUpdate({
        target: [cryptoAssets.tenantId, cryptoAssets.fingerprint],
        set: {
          kind: sql`excluded.kind`,
          algorithm: sql`excluded.algorithm`,
          keyBits: sql`excluded.key_bits`,
          curve: sql`excluded.curve`,
          subject: sql`excluded.subject`,
          notAfter: sql`excluded.not_after`,
          quantumVulnerable: sql`excluded.quantum_vulnerable`,
          verdict: sql`excluded.verdict`,
          details: sql`excluded.details`,
          lastSeen: sql`excluded.last_seen`,
          timesSeen: sql`${cryptoAssets.timesSeen} + 1`,
        },
      })
      .returning({ fingerprint: cryptoAssets.fingerprint, firstSeen: cryptoAssets.firstSeen, timesSeen: cryptoAssets.timesSeen }),
  );
  const [first, ...rest] = statements;
  if (!first) return [];
  return (await db.batch([first, ...rest])).flat();
}

export interface InventorySummary {
  total: number;
  quantum_vulnerable: number;
  weak_classical: number;
  quantum_weakened: number;
  quantum_resistant: number;
  /** Quantum-vulnerable assets guarding long-lived secrets (certificates counted while still valid). */
  long_lived_vulnerable: number;
  harvest_now_decrypt_later: number;
  certificates_past_2030: number;
}

/** One pass over the tenant's inventory rows (its primary-key range). */
export async function inventorySummary(db: Database, tenantId: string, now: number, cutoff: number): Promise<InventorySummary> {
  const longLived = sql`json_extract(${cryptoAssets.details}, '$.long_lived_secret') IS NOT NULL
    AND (${cryptoAssets.kind} <> 'x509_certificate' OR ${cryptoAssets.notAfter} > ${now})`;
  const n = (condition: ReturnType<typeof sql>) => sql<number>`COALESCE(SUM(CASE WHEN ${condition} THEN 1 ELSE 0 END), 0)`;
  const [r] = await db
    .select({
      total: sql<number>`count(*)`,
      quantum_vulnerable: n(sql`${cryptoAssets.quantumVulnerable} = 1`),
      weak_classical: n(sql`${cryptoAssets.verdict} = 'weak_classical'`),
      quantum_weakened: n(sql`${cryptoAssets.verdict} = 'quantum_weakened'`),
      quantum_resistant: n(sql`${cryptoAssets.verdict} = 'quantum_resistant'`),
      long_lived_vulnerable: n(sql`${cryptoAssets.quantumVulnerable} = 1 AND ${longLived}`),
      harvest_now_decrypt_later: n(
        sql`${cryptoAssets.quantumVulnerable} = 1 AND json_extract(${cryptoAssets.details}, '$.harvest_now_decrypt_later') = 1`,
      ),
      certificates_past_2030: n(
        sql`${cryptoAssets.quantumVulnerable} = 1 AND ${cryptoAssets.kind} = 'x509_certificate' AND ${cryptoAssets.notAfter} > ${Math.max(now, cutoff)}`,
      ),
    })
    .from(cryptoAssets)
    .where(eq(cryptoAssets.tenantId, tenantId));
  return Object.fromEntries(Object.entries(r ?? {}).map(([k, v]) => [k, Number(v ?? 0)])) as unknown as InventorySummary;
}
