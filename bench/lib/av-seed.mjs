// Agent-claims data for `npm run bench`: machines with devices and pools of machine-bound keys
// (claims are limited to 600 a minute per key), and two machines whose logs hold 1,000 and
// 100,000 claims, written through the machine object's own ingest so every row is chained.
import { randomBytes } from "node:crypto";
import { inBatches, post, randomIp } from "./seed.mjs";
import { ADMIN_TOKEN } from "./servers.mjs";

const ZEQOND_HZ = 1.287;
const zeqondNow = () => Math.floor((Date.now() / 1000) * ZEQOND_HZ);
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };

async function ownerCookie(url, username, password) {
  const res = await fetch(`${url}/api/av/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "CF-Connecting-IP": randomIp() },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new Error(`/api/av/login → ${res.status}`);
  return res.headers
    .getSetCookie()
    .find((c) => c.startsWith("zeq_auth_token="))
    ?.split(";")[0];
}

/** A machine with one device and `keys` write keys bound to it: one entry per key. */
async function agentPool(url, tenantId, ownerId, cookie, slug, keys) {
  await post(url, `/admin/tenants/${tenantId}/machines`, { slug, owner_user_id: ownerId, visibility: "public" }, admin);
  const { device_id } = await post(url, "/api/av/devices", { slug, name: `${slug}-host`, os: "linux" }, { Cookie: cookie });
  const pool = await inBatches(keys, 10, (i) =>
    post(
      url,
      `/admin/tenants/${tenantId}/api-keys`,
      { name: `${slug}-${i}`, scopes: ["write"], header: "X-Zeq-SM-Key", machine: slug },
      admin,
    ),
  );
  return pool.map((k) => ({ headers: { "X-Zeq-SM-Key": k.key }, device: device_id }));
}

/** Interleaves the pools so consecutive requests go to different machines. */
const interleave = (pools) => pools[0].flatMap((_, i) => pools.map((p) => p[i % p.length]));

/** `count` claims spread over the last 23 hours, straight into the machine's object. */
async function fillLog(machines, slug, count) {
  const stub = machines.get(machines.idFromName(slug));
  const now = zeqondNow();
  const span = Math.floor(23 * 3600 * ZEQOND_HZ);
  for (let i = 0; i < count; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, count - i) }, (_, j) =>
        stub.ingestClaim({
          actor: "bench:seed",
          device_id: "dev_seed",
          claim_type: "process_spawn",
          captured_at_zeqond: now - Math.floor(((i + j) / count) * span),
          fingerprint: randomBytes(32).toString("hex"),
          indicator: randomBytes(32).toString("hex"),
          s_forensic: 0.5,
          theta: 0.85,
          now_zeqond: now,
          derived: null,
        }),
      ),
    );
  }
}

export async function seedAgentClaims(
  vigil,
  {
    spreadMachines = 16,
    keysPerSpreadMachine = 16,
    hotKeys = 128,
    largeLog = Number(process.env.BENCH_LARGE_LOG ?? 100_000),
  } = {},
) {
  const { url } = vigil;
  const tenant = await post(url, "/admin/tenants", { name: `bench-av-${randomBytes(4).toString("hex")}` }, admin);
  const password = randomBytes(18).toString("base64url");
  const username = `owner-${tenant.id}@bench.vigil.local`;
  const owner = await post(url, `/admin/tenants/${tenant.id}/users`, { username, password, role: "analyst" }, admin);
  const cookie = await ownerCookie(url, username, password);
  const tag = randomBytes(3).toString("hex");
  const spread = [];
  for (let m = 0; m < spreadMachines; m++)
    spread.push(await agentPool(url, tenant.id, owner.id, cookie, `bench-${tag}-spread-${m}`, keysPerSpreadMachine));
  const hot = await agentPool(url, tenant.id, owner.id, cookie, `bench-${tag}-hot`, hotKeys);
  const logs = { small: `bench-${tag}-log-1k`, large: `bench-${tag}-log-100k` };
  for (const slug of Object.values(logs))
    await post(url, `/admin/tenants/${tenant.id}/machines`, { slug, owner_user_id: owner.id, visibility: "public" }, admin);
  await fillLog(vigil.machines, logs.small, 1_000);
  await fillLog(vigil.machines, logs.large, largeLog);
  // Public reads are limited per caller (120 a minute): the readers come from many addresses.
  const readers = Array.from({ length: 512 }, () => ({ "CF-Connecting-IP": randomIp() }));
  return { spread: interleave(spread), hot, logs, logSizes: { small: 1_000, large: largeLog }, readers };
}
