import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { FragmentVault } from "../../durable-objects/fragment-vault";
import { CREDENTIAL_POLICY, INCIDENTS_POLICIES } from "../../functions/platform/rate-limit/policies";
import { shardName } from "../../functions/platform/rate-limit/shards";
import { verifyCertificate } from "../../functions/quantum/consensus/verify";
import { clusterOf } from "../consensus-agents";
import { call, createTenant, createUser, eventually, postJson, quantumHeaders, randomIp } from "../helpers";
import { count, d1Fault, Faults, lit, objectFault, sleep } from "./faults-helpers";

// Faults in and around Durable Objects: the embedded rate limiter failing (3), a consensus
// cluster reset mid-round (4), and fragment alarms that fire late, the first one unable to reach
// D1 (6). The Upstash backend answering garbage, slowly or not at all is owasp-api10.test.ts.
const faults = new Faults("Fault injection: Durable Objects");
afterAll(() => console.log(faults.summary()));

let tenantId: string;

beforeAll(async () => {
  tenantId = await createTenant(`faults-objects-${crypto.randomUUID().slice(0, 8)}`);
  vi.spyOn(console, "warn").mockImplementation(() => undefined);
  vi.spyOn(console, "error").mockImplementation(() => undefined);
});
afterAll(() => vi.restoreAllMocks());

const events = (tenant: string, type: string) =>
  count("SELECT count(*) AS n FROM security_events WHERE tenant_id = ? AND type = ?", tenant, type);

describe("fault 3: the embedded rate limiter fails (its RateLimiter objects' counter writes abort)", () => {
  it("credentials and writes fail closed with 503 and Retry-After 5; reads are served without limit headers", async () => {
    const user = await createUser(tenantId, `limited-${crypto.randomUUID().slice(0, 8)}@faults.test`, "analyst");
    const signedIn = await postJson("/auth/login", { username: user.username, password: user.password });
    const jwt = { Authorization: `Bearer ${((await signedIn.json()) as any).data.access_token}` };
    const ip = randomIp();
    // The objects that decide for this IP's sign-ins and for this user's incident requests.
    const credentials = env.RATE_LIMITER.getByName(shardName(CREDENTIAL_POLICY.id, `ip:${ip}`));
    const incidents = env.RATE_LIMITER.getByName(shardName(INCIDENTS_POLICIES.jwt.id, `${tenantId}:user:${user.id}`));
    const injected = [
      await objectFault(faults, "3 rate limiter", credentials, "counters", "INSERT", `instr(NEW.key, ${lit(`ip:${ip}|`)}) = 1`),
      await objectFault(faults, "3 rate limiter", incidents, "counters", "INSERT", `instr(NEW.key, ${lit(user.id)}) > 0`),
    ];
    const incidentCount = () => count("SELECT count(*) AS n FROM incidents WHERE tenant_id = ?", tenantId);
    const before = await incidentCount();
    const login = () =>
      call("/auth/login", {
        method: "POST",
        headers: { "Content-Type": "application/json", "CF-Connecting-IP": ip },
        body: JSON.stringify({ username: user.username, password: user.password }),
      });
    const create = () => postJson("/api/v1/incidents", { type: "probe", severity: "LOW" }, jwt);
    try {
      for (const res of [await login(), await create()]) {
        const text = await res.text();
        expect(res.status, text).toBe(503);
        expect(res.headers.get("Retry-After")).toBe("5");
        expect(JSON.parse(text)).toMatchObject({ success: false, error: { code: "SERVICE_UNAVAILABLE" } });
        expect(text).not.toContain("access_token");
      }
      expect(await incidentCount()).toBe(before);
      const read = await call("/api/v1/incidents", { headers: jwt });
      expect(read.status).toBe(200);
      expect(read.headers.get("X-RateLimit-Limit")).toBeNull();
      faults.hit("3 rate limiter", 10);
    } finally {
      for (const fault of injected) await fault.drop();
    }
    // The objects recovered: both routes are limited again, with their headers.
    expect((await login()).status).toBe(200);
    const created = await create();
    expect(created.status).toBe(201);
    expect(created.headers.get("X-RateLimit-Limit")).toBe("1000");
    expect(await incidentCount()).toBe(before + 1);
    faults.hit("3 rate limiter", 4);
  });
});

describe("fault 4: the consensus object is reset mid-round, and its first consensus.achieved write aborts", () => {
  it("resumes the open round from storage, emits its event once from the outbox, and the sequence carries on", async () => {
    const tenant = await createTenant(`faults-consensus-${crypto.randomUUID().slice(0, 8)}`);
    const manage = await quantumHeaders(tenant, ["consensus:manage"]);
    const agents = await clusterOf(manage, ["honest", "honest", "honest", "honest"]);
    // A stub is spent once its object is reset; each use takes a fresh one.
    const cluster = () => env.CONSENSUS_CLUSTER.getByName(tenant);
    const propose = async (proposal_id: string) => {
      const res = await postJson(
        "/v3/consensus/propose",
        { proposal_id, value: btoa(`isolate ${proposal_id}`), timeout_ms: 10_000, round_timeout_ms: 8_000 },
        manage,
      );
      expect(res.status, await res.clone().text()).toBe(200);
      return (await res.json()) as any;
    };
    const outbox = () =>
      runInDurableObject(
        cluster(),
        (_, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n,
      );
    try {
      for (const a of agents) a.holdCommits = true;
      const pending = propose("survivor");
      await eventually(() => agents.every((a) => a.seen("prepared") >= 1));
      await runInDurableObject(cluster(), (_, state) => state.abort("fault: reset mid-round")).catch(() => {});
      faults.fault("4 consensus");
      const status = (await (await call("/v3/consensus/status", { headers: manage })).json()) as { open_rounds: number };
      expect(status.open_rounds).toBe(1);

      const fault = await d1Fault(
        faults,
        "4 consensus",
        "security_events",
        "INSERT",
        `NEW.tenant_id = ${lit(tenant)} AND NEW.type = 'consensus.achieved'`,
      );
      let out;
      try {
        await Promise.all(agents.map((a) => a.release()));
        out = await pending;
        expect(out).toMatchObject({ proposal_id: "survivor", consensus_achieved: true, view_number: 0, sequence_number: 1 });
        expect(await events(tenant, "consensus.achieved")).toBe(0);
        expect(await outbox()).toBeGreaterThanOrEqual(1);
      } finally {
        await fault.drop();
      }
      const keys = Object.fromEntries(agents.map((a) => [a.id, a.publicKey]));
      expect(await verifyCertificate(out.certificate, keys)).toMatchObject({ valid: true });
      const stored = await call("/v3/consensus/certificates/1", { headers: manage });
      expect(stored.status).toBe(200);
      expect(((await stored.json()) as { digest: string }).digest).toBe(out.certificate.digest);
      faults.hit("4 consensus", 6);

      // The alarm's retry delivers the queued event once, however often it runs.
      await runDurableObjectAlarm(cluster());
      await eventually(async () => (await events(tenant, "consensus.achieved")) === 1);
      await runDurableObjectAlarm(cluster());
      expect(await events(tenant, "consensus.achieved")).toBe(1);
      expect(await outbox()).toBe(0);
      const next = await propose("after-reset");
      expect(next).toMatchObject({ consensus_achieved: true, sequence_number: 2 });
      await eventually(async () => (await events(tenant, "consensus.achieved")) === 2);
      faults.hit("4 consensus", 5);
    } finally {
      agents.forEach((a) => a.close());
    }
  });
});

describe("fault 6: fragment alarms fire late, and the first cannot reach D1", () => {
  it("reads refuse the set at expiry; the late alarms destroy every fragment, expire the set once and emit once", async () => {
    const write = await quantumHeaders(tenantId, ["quantum:write"]);
    const secret = btoa("late alarm secret");
    const res = await postJson(
      "/v3/fragmentation/fragment",
      { data: secret, fragment_count: 3, redundancy: 1, lifetime_ms: 1500 },
      write,
    );
    expect(res.status).toBe(201);
    const set = (await res.json()) as { parent_id: string; expires_at: string; fragments: { fragment_id: string }[] };
    const vaults = set.fragments.map((f) => env.FRAGMENT_VAULT.getByName(f.fragment_id));
    // Every alarm held back an hour: they will fire long after the fragments expire.
    for (const v of vaults) {
      await runInDurableObject(v, (_, state) => state.storage.setAlarm(Date.now() + 3_600_000));
      faults.fault("6 late alarm");
    }
    const reconstruct = () => postJson("/v3/fragmentation/reconstruct", { parent_id: set.parent_id }, write);
    const holds = (v: DurableObjectStub) =>
      runInDurableObject(v, (_, state) => {
        const tables = state.storage.sql
          .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'")
          .toArray()
          .map((r) => r.name);
        const rows = (table: string) =>
          tables.includes(table) ? state.storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${table}`).one().n : 0;
        return { fragments: rows("fragment"), notices: rows("expiry_notice"), tables: tables.length };
      });
    const setStatus = async () =>
      (await env.DB.prepare("SELECT status FROM fragment_sets WHERE id = ?").bind(set.parent_id).first<{ status: string }>())!
        .status;
    const expired = () =>
      count(
        "SELECT count(*) AS n FROM security_events WHERE tenant_id = ? AND type = 'fragmentation.expired' AND json_extract(details, '$.parent_id') = ?",
        tenantId,
        set.parent_id,
      );

    expect((await reconstruct()).status).toBe(200);
    await sleep(Math.max(0, Date.parse(set.expires_at) - Date.now()) + 100);
    // Past expiry with no alarm run yet: the material is still held, but nothing serves it.
    expect((await holds(vaults[0]!)).fragments).toBe(1);
    const gone = await reconstruct();
    expect(gone.status).toBe(410);
    expect(((await gone.json()) as { error: { code: string } }).error.code).toBe("GONE");
    expect(await runInDurableObject(vaults[0]!, (instance: FragmentVault) => instance.share())).toBeNull();
    faults.hit("6 late alarm", 4);

    // The first late alarm cannot mark the set expired: the secret goes anyway, a notice stays.
    const fault = await d1Fault(faults, "6 late alarm", "fragment_sets", "UPDATE", `NEW.id = ${lit(set.parent_id)}`);
    try {
      await expect(runDurableObjectAlarm(vaults[0]!)).rejects.toThrow();
    } finally {
      await fault.drop();
    }
    expect(await holds(vaults[0]!)).toMatchObject({ fragments: 0, notices: 1 });
    expect(await setStatus()).toBe("active");
    expect(await expired()).toBe(0);
    faults.hit("6 late alarm", 4);

    // The runtime retries a failed alarm: the retry resumes from the notice.
    await runInDurableObject(vaults[0]!, (instance: FragmentVault) => instance.alarm());
    for (const v of vaults.slice(1)) expect(await runDurableObjectAlarm(v)).toBe(true);
    for (const v of vaults) expect(await holds(v)).toEqual({ fragments: 0, notices: 0, tables: 0 });
    for (const v of vaults) expect(await runInDurableObject(v, (_, state) => state.storage.getAlarm())).toBeNull();
    expect(await setStatus()).toBe("expired");
    await eventually(async () => (await expired()) === 1);
    expect((await reconstruct()).status).toBe(410);
    // A stray alarm after all that changes nothing.
    await runInDurableObject(vaults[1]!, (instance: FragmentVault) => instance.alarm());
    expect(await expired()).toBe(1);
    faults.hit("6 late alarm", 11);
  });
});
