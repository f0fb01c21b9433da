// Incident-response data for `npm run bench`: a tenant with write keys, 100,000 incidents written
// straight to D1 (the API would take its own limits' time), and 50 enabled detection rules.
import { randomBytes } from "node:crypto";
import { inBatches, post } from "./seed.mjs";
import { ADMIN_TOKEN } from "./servers.mjs";

const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const SEVERITIES = [
  ["CRITICAL", 4],
  ["HIGH", 3],
  ["MEDIUM", 2],
  ["LOW", 1],
];
const STATUSES = ["OPEN", "INVESTIGATING", "REMEDIATING", "RESOLVED", "FALSE_POSITIVE"];
const TYPES = ["suspicious_login", "malware", "data_exfil", "brute_force", "custom_alert"];

/** Rows per INSERT: about 50 KB of SQL, under D1's 100 KB statement limit. */
const ROWS_PER_STATEMENT = 250;
const text = (value) => `'${String(value).replaceAll("'", "''")}'`;

/**
 * Multi-row INSERTs with literal values (every value is generated here): one prepared statement
 * per 250 rows. Binding each row over Miniflare's proxy is a synchronous round trip per row: 100,000
 * rows took a minute that way, and a run once failed inside the proxy (an id mismatch in its
 * synchronous fetcher's assertion) while binding them.
 */
async function seedIncidents(db, tenantId, count) {
  const now = Date.now();
  const values = Array.from({ length: count }, (_, i) => {
    const [severity, rank] = SEVERITIES[i % 4];
    const at = now - (count - i) * 60_000;
    const id = `inc_${randomBytes(16).toString("hex")}`;
    return `(${[id, tenantId, `INC-2026-${i + 1}`, TYPES[i % 5], severity].map(text).join(", ")}, ${rank}, ${text(STATUSES[i % 5])}, '[]', '{}', ${at}, ${at + (i % 7) * 1000})`;
  });
  const statements = [];
  for (let i = 0; i < values.length; i += ROWS_PER_STATEMENT)
    statements.push(
      db.prepare(
        `INSERT INTO incidents (id, tenant_id, number, type, severity, severity_rank, status, affected_resources, metadata, created_at, updated_at)
         VALUES ${values.slice(i, i + ROWS_PER_STATEMENT).join(", ")}`,
      ),
    );
  for (let i = 0; i < statements.length; i += 20) await db.batch(statements.slice(i, i + 20));
}

/** Fifty rules of the seed's shape over different fields and operators, all enabled. */
export const ruleQueries = (n = 50) =>
  Array.from(
    { length: n },
    (_, i) =>
      [
        `SELECT * FROM logs WHERE jsonPayload.message LIKE '%Failed password%' AND port = ${20 + i}`,
        `SELECT * FROM logs WHERE level IN ('ERROR', 'CRITICAL') AND service = 'svc-${i}'`,
        `SELECT * FROM logs WHERE bytes_out > ${100_000 + i * 1000} AND NOT dest LIKE '10.%'`,
        `SELECT * FROM logs WHERE user.name = 'user-${i}' OR process.name LIKE '%mimikatz%'`,
        `SELECT * FROM logs WHERE status >= 500 AND path LIKE '/admin/${i}%'`,
      ][i % 5],
  );

export async function seedIncidentTenant(vigil, { incidents = 100_000, keys = 40, rules = 50 } = {}) {
  const { url } = vigil;
  const tenant = await post(url, "/admin/tenants", { name: `bench-incidents-${randomBytes(4).toString("hex")}` }, admin);
  const created = await inBatches(keys, 10, (i) =>
    post(url, `/admin/tenants/${tenant.id}/api-keys`, { name: `bench-inc-${i}`, scopes: ["read", "write"] }, admin),
  );
  const headerSets = created.map((k) => ({ "X-API-Key": k.key }));
  for (const [i, query] of ruleQueries(rules).entries())
    await post(
      url,
      "/api/v1/rules",
      { name: `bench rule ${i}`, severity: "MEDIUM", conditions: { query, time_window: 60 } },
      headerSets[i % keys],
    );
  await seedIncidents(vigil.db, tenant.id, incidents);
  return { tenantId: tenant.id, headerSets, incidents };
}

/** A batch of log records, about one in twenty matching some rule. */
export function logBatch(size) {
  return JSON.stringify(
    Array.from({ length: size }, (_, i) => ({
      message: i % 20 === 0 ? "Failed password for root from 203.0.113.9" : `GET /api/items/${i} 200`,
      port: 20 + (i % 50),
      level: ["INFO", "WARN", "ERROR"][i % 3],
      service: `svc-${i % 60}`,
      bytes_out: (i * 7919) % 300_000,
      dest: `192.0.2.${i % 250}`,
      user: { name: `user-${i % 80}` },
      status: [200, 404, 500][i % 3],
      path: `/admin/${i % 50}/x`,
    })),
  );
}
