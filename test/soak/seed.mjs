// Seeds the soak tenant through the admin API and the families' own routes: an admin user, the
// demo mesh, a pool of read/write API keys, agent-claims machines (each with a device and keys
// bound to it), a premium OAuth client and its token, and the rules the log counts are read with.
import { randomBytes } from "node:crypto";
import { adminRequest } from "../../scripts/admin-client.mjs";
import { seedDemoAgent } from "../../scripts/demo-agent.mjs";
import { seedDemoMesh } from "../../scripts/demo-mesh.mjs";

/** A client address of its own, from the 2001:db8::/32 documentation range (as test/e2e does). */
export const uniqueIp = () => `2001:db8:${randomBytes(12).toString("hex").match(/.{4}/g).join(":")}`;

/** One request; `{status, body, text}`, JSON parsed when it is JSON. Never throws on an HTTP status. */
export async function api(url, method, path, { headers = {}, body, raw, timeoutMs = 30_000 } = {}) {
  const res = await fetch(url + path, {
    method,
    headers: { ...(body !== undefined ? { "Content-Type": "application/json" } : {}), ...headers },
    body: raw ?? (body !== undefined ? JSON.stringify(body) : undefined),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {}
  return { status: res.status, body: json, text };
}

/** Like `api`, but the status must be `expected`. */
export async function must(expected, url, method, path, opts) {
  const res = await api(url, method, path, opts);
  if (res.status !== expected)
    throw new Error(`${method} ${path} → ${res.status} (expected ${expected}): ${res.text.slice(0, 300)}`);
  return res.body;
}

async function inBatches(n, size, make) {
  const out = [];
  for (let i = 0; i < n; i += size)
    out.push(...(await Promise.all(Array.from({ length: Math.min(size, n - i) }, (_, j) => make(i + j)))));
  return out;
}

/** The rule whose backtest counts one part of the soak's logs (disabled: it never fires). */
export const partQuery = (runId, part) => `SELECT * FROM logs WHERE soak_run = '${runId}' AND soak_part = ${part}`;

/**
 * `plan`: `{runId, apiKeys, machines, claimKeysPerMachine, logParts, simulation}`. Returns what the
 * load and the checks need: the tenant, the key pool (each key with a client address of its own),
 * the machines and their claim keys, an OAuth token source and the counting rules' ids.
 */
export async function seedTenant(admin, plan) {
  const { url } = admin;
  const { runId } = plan;
  const tenant = await adminRequest(admin, "POST", "/admin/tenants", { name: `soak-${runId}` });
  // Simulation mode: the tenant's hub emits a threat event every few seconds, as the demo tenant's does.
  if (plan.simulation) await adminRequest(admin, "PATCH", `/admin/tenants/${tenant.id}`, { mode: "simulation" });

  const password = randomBytes(18).toString("base64url");
  const username = `soak-admin-${runId}@soak.vigil.local`;
  const user = await adminRequest(admin, "POST", `/admin/tenants/${tenant.id}/users`, { username, password, role: "admin" });

  // The 30-node demo mesh, as npm run dev and the e2e tests seed it (with a key revoked afterwards).
  const meshKey = await adminRequest(admin, "POST", `/admin/tenants/${tenant.id}/api-keys`, {
    name: "soak-mesh-seed",
    scopes: ["write"],
  });
  const mesh = await seedDemoMesh(url, meshKey.key);
  await adminRequest(admin, "DELETE", `/admin/tenants/${tenant.id}/api-keys/${meshKey.id}`);

  const keys = await inBatches(plan.apiKeys, 10, async (i) => {
    const k = await adminRequest(admin, "POST", `/admin/tenants/${tenant.id}/api-keys`, {
      name: `soak-${i}`,
      scopes: ["read", "write"],
    });
    return { "X-API-Key": k.key, "CF-Connecting-IP": uniqueIp() };
  });

  // Machines as npm run dev seeds the demo one (public, owned by the admin, one device, a bound
  // X-Zeq-SM-Key), plus further keys bound to the same machine when one key's limit is too tight.
  const machines = [];
  for (let m = 0; m < plan.machines; m++) {
    const agent = await seedDemoAgent(admin, { tenant_id: tenant.id, user_id: user.id, username, password });
    const extra = await inBatches(plan.claimKeysPerMachine - 1, 10, async (i) => {
      const k = await adminRequest(admin, "POST", `/admin/tenants/${tenant.id}/api-keys`, {
        name: `soak-claims-${m}-${i}`,
        scopes: ["write"],
        header: "X-Zeq-SM-Key",
        machine: agent.slug,
      });
      return k.key;
    });
    const claimKeys = [agent.key, ...extra].map((key) => ({ "X-Zeq-SM-Key": key, "CF-Connecting-IP": uniqueIp() }));
    machines.push({ slug: agent.slug, deviceId: agent.device_id, claimKeys });
  }

  const client = await adminRequest(admin, "POST", `/admin/tenants/${tenant.id}/oauth-clients`, {
    tier: "premium",
    scopes: ["quantum:read"],
  });
  const oauth = oauthTokens(url, client);
  await oauth.token();

  // Disabled rules whose backtests count the stored logs, one per part (a backtest reads at most
  // 10,000 records); and one enabled rule over a share of the records, so rule evaluation on the
  // queue runs throughout (its incidents have a type of their own, outside the counted one).
  const writer = keys[0];
  const partRules = [];
  for (let part = 0; part < plan.logParts; part++) {
    const created = await must(201, url, "POST", "/api/v1/rules", {
      headers: writer,
      body: {
        name: `soak count ${runId} part ${part}`,
        severity: "LOW",
        enabled: false,
        conditions: { query: partQuery(runId, part) },
      },
    });
    partRules.push(created.data.rule.id);
  }
  const detector = await must(201, url, "POST", "/api/v1/rules", {
    headers: writer,
    body: {
      name: `soak detector ${runId}`,
      severity: "MEDIUM",
      conditions: {
        query: `SELECT * FROM logs WHERE soak_run = '${runId}' AND level = 'ERROR' AND message LIKE '%Failed password%'`,
        time_window: 60,
        thresholds: [{ metric: "event_count", operator: ">=", value: 5 }],
        group_by: "src_ip",
      },
    },
  });

  return {
    tenantId: tenant.id,
    user: { id: user.id, username },
    mesh,
    keys,
    machines,
    oauth,
    partRules,
    detectorType: `soak_detector_${runId.toLowerCase()}`,
    detectorRuleId: detector.data.rule.id,
  };
}

/** Client-credentials tokens (1 hour), renewed after 30 minutes: at most a few requests against the per-IP credential limit. */
function oauthTokens(url, client) {
  let current = null;
  let issuedAt = 0;
  return {
    async token() {
      if (current && Date.now() - issuedAt < 30 * 60_000) return current;
      const res = await api(url, "POST", "/v3/oauth/token", {
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          Authorization: `Basic ${btoa(`${client.client_id}:${client.client_secret}`)}`,
          "CF-Connecting-IP": uniqueIp(),
        },
        raw: "grant_type=client_credentials",
      });
      if (res.status !== 200 || !res.body?.access_token)
        throw new Error(`/v3/oauth/token → ${res.status}: ${res.text.slice(0, 300)}`);
      current = res.body.access_token;
      issuedAt = Date.now();
      return current;
    },
  };
}
