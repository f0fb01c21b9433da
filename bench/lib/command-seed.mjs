// Bulk data for the command console scenarios: a tenant with a pool of write keys, a large
// event history and a large mesh, written straight to D1 so seeding is not throttled by the
// API's own rate limits. Each key stays well under every per-minute command limit.
import { randomBytes } from "node:crypto";
import { ADMIN_TOKEN } from "./servers.mjs";

const SEVERITIES = ["low", "low", "low", "medium", "medium", "high", "critical"];
const SYSTEM_TYPES = ["grid", "lng", "access", "comms", "defense"];
const ORIGINS = [
  ["Russia", "RU"],
  ["China", "CN"],
  ["Iran", "IR"],
  ["North Korea", "KP"],
  ["Brazil", "BR"],
];

async function post(url, path, body) {
  const res = await fetch(url + path, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path} → ${res.status} ${await res.text()}`);
  return res.json();
}

async function batched(db, statements, size = 500) {
  for (let i = 0; i < statements.length; i += size) await db.batch(statements.slice(i, i + size));
}

export async function seedEvents(db, tenantId, count, now = Date.now()) {
  const insert = db.prepare(
    `INSERT INTO security_events (id, tenant_id, occurred_at, source, type, severity, country, country_code, system, system_type, description, details)
     VALUES (?, ?, ?, 'command', 'threat.detected', ?, ?, ?, ?, ?, ?, '{}')`,
  );
  const ids = [];
  const rows = Array.from({ length: count }, (_, i) => {
    const id = `evt_${randomBytes(16).toString("hex")}`;
    ids.push(id);
    const [country, code] = ORIGINS[i % ORIGINS.length];
    const systemType = SYSTEM_TYPES[i % SYSTEM_TYPES.length];
    // Spread over the last two hours, one event every ~0.7 s at 10,000 events.
    const at = now - Math.floor(((count - i) / count) * 7_200_000);
    return insert.bind(
      id,
      tenantId,
      at,
      SEVERITIES[i % SEVERITIES.length],
      country,
      code,
      `${systemType}-substation-${i % 40}`,
      systemType,
      `bench event ${i}`,
    );
  });
  await batched(db, rows);
  return ids;
}

/** `count` nodes in a ring with chords (each node has degree 4), so isolation severs real links. */
export async function seedMesh(db, tenantId, count) {
  const node = db.prepare("INSERT INTO mesh_nodes (tenant_id, id, label, system_type, region) VALUES (?, ?, ?, ?, 'bench')");
  const link = db.prepare("INSERT OR IGNORE INTO mesh_links (tenant_id, source_id, target_id, weight) VALUES (?, ?, ?, 1)");
  const id = (i) => `n${String(i % count).padStart(6, "0")}`;
  const ids = Array.from({ length: count }, (_, i) => id(i));
  await batched(
    db,
    ids.map((n, i) => node.bind(tenantId, n, `node ${n}`, SYSTEM_TYPES[i % SYSTEM_TYPES.length])),
  );
  const pairs = ids.flatMap((n, i) => [
    [n, id(i + 1)],
    [n, id(i + 7)],
  ]);
  await batched(
    db,
    pairs.map(([a, b]) => (a < b ? link.bind(tenantId, a, b) : link.bind(tenantId, b, a))),
  );
  return ids;
}

/** A tenant and `keys` write-scoped API keys (round-robin principals for the command scenarios). */
export async function seedCommandTenant(url, keys) {
  const tenant = await post(url, "/admin/tenants", { name: `bench-cmd-${randomBytes(4).toString("hex")}` });
  const headerSets = [];
  for (let i = 0; i < keys; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, keys - i) }, (_, j) =>
        post(url, `/admin/tenants/${tenant.id}/api-keys`, { name: `cmd-${i + j}`, scopes: ["write"] }),
      ),
    );
    headerSets.push(...batch.map((k) => ({ "X-API-Key": k.key })));
  }
  return { tenantId: tenant.id, headerSets };
}
