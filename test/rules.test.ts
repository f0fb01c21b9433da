import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, createTenant, eventually, postJson, SEED_RULE, userHeaders } from "./helpers";

type Rule = { id: string; name: string; enabled: boolean; severity: string; conditions: { query: string } };
type Ok<T> = { success: true; data: T };
type Failure = { success: false; error: { code: string; message: string; details: Record<string, unknown> } };

let tenantId: string;
let analyst: Record<string, string>;
let viewer: Record<string, string>;

beforeAll(async () => {
  tenantId = await createTenant("rules");
  analyst = await userHeaders(tenantId, "rae@rules.test", "analyst");
  viewer = await userHeaders(tenantId, "val@rules.test", "viewer");
});

async function createRule(body: object, headers = analyst): Promise<Rule> {
  const res = await postJson("/api/v1/rules", body, headers);
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as Ok<{ rule: Rule }>).data.rule;
}
const withQuery = (query: string, extra: object = {}) => ({ ...SEED_RULE, conditions: { query, ...extra } });

describe("rule queries: a real SQL parser, a safe subset", () => {
  it("accepts the seed's rule and refuses everything outside the subset, naming it", async () => {
    const rule = await createRule(SEED_RULE);
    expect(rule).toMatchObject({ name: SEED_RULE.name, enabled: true, severity: "HIGH" });
    const refused: [string, RegExp][] = [
      ["SELECT * FROM logs WHERE message = 'x'; DROP TABLE logs", /several statements/],
      ["SELECT * FROM logs WHERE message = ''; DROP TABLE logs; --'", /several statements/],
      ["DROP TABLE logs", /DROP statements/],
      ["SELECT * FROM users WHERE 1 = 1", /the table 'users'/],
      ["SELECT * FROM logs, users WHERE 1 = 1", /several tables/],
      ["SELECT * FROM logs WHERE host IN (SELECT id FROM users)", /subqueries/],
      ["SELECT * FROM logs WHERE lower(message) = 'x'", /functions/],
      ["SELECT password FROM logs WHERE message = 'x'", /column list/],
      ["SELECT * FROM logs WHERE message = 'x' ORDER BY host", /ORDER/],
      ["SELECT * FROM logs WHERE message = host", /two fields/],
      ["SELECT * FROM logs", /without WHERE/],
      ["SELECT * FROM logs WHERE message = 'x' UNION SELECT * FROM users", /./],
      ["not sql at all", /not valid SQL/],
    ];
    for (const [query, reason] of refused) {
      const res = await postJson("/api/v1/rules", withQuery(query), analyst);
      expect(res.status, query).toBe(400);
      const body = (await res.json()) as Failure;
      expect(body.error.code).toBe("INVALID_REQUEST");
      expect(body.error.message + JSON.stringify(body.error.details), query).toMatch(reason);
    }
    // Nothing was executed: the logs table is still there and empty for this tenant.
    const n = await env.DB.prepare("SELECT count(*) AS n FROM logs WHERE tenant_id = ?").bind(tenantId).first<{ n: number }>();
    expect(n?.n).toBe(0);
  });

  it("manages rules as the seed: list with filters, get, update, delete; tenant-scoped; scope-checked", async () => {
    const off = await createRule({ ...SEED_RULE, name: "Disabled one", enabled: false, severity: "LOW" });
    const list = async (q: string) =>
      (
        (await (await call(`/api/v1/rules?${q}`, { headers: viewer })).json()) as Ok<{
          rules: Rule[];
          pagination: { total: number };
        }>
      ).data;
    expect((await list("enabled=false")).rules.map((r) => r.id)).toEqual([off.id]);
    expect((await list("severity=LOW&type=detection")).rules.map((r) => r.id)).toEqual([off.id]);
    expect((await list("")).pagination.total).toBeGreaterThanOrEqual(2);
    expect((await call(`/api/v1/rules/${off.id}`, { headers: viewer })).status).toBe(200);
    const put = await call(`/api/v1/rules/${off.id}`, {
      method: "PUT",
      headers: { ...analyst, "Content-Type": "application/json" },
      body: JSON.stringify({ enabled: true, conditions: { query: "SELECT * FROM logs WHERE level = 'ERROR'" } }),
    });
    expect(((await put.json()) as Ok<{ rule: Rule }>).data.rule).toMatchObject({
      enabled: true,
      conditions: { query: "SELECT * FROM logs WHERE level = 'ERROR'" },
    });
    expect((await postJson("/api/v1/rules", SEED_RULE, viewer)).status).toBe(403);
    const stranger = await userHeaders(await createTenant("rules-other"), "x@other.test", "admin");
    expect((await call(`/api/v1/rules/${off.id}`, { headers: stranger })).status).toBe(404);
    expect((await call(`/api/v1/rules/${off.id}`, { method: "DELETE", headers: analyst })).status).toBe(200);
    expect((await call(`/api/v1/rules/${off.id}`, { headers: analyst })).status).toBe(404);
  });
});

describe("POST /api/v1/rules/{id}/test", () => {
  it("runs the seed's sample: which records and conditions matched, and whether thresholds would fire", async () => {
    const rule = await createRule(SEED_RULE);
    const res = await postJson(
      `/api/v1/rules/${rule.id}/test`,
      {
        sample_data: {
          logs: [
            { message: "Failed password for user root" },
            { message: "Failed password for user admin" },
            { message: "Accepted publickey" },
          ],
        },
      },
      analyst,
    );
    expect(res.status).toBe(200);
    const data = (
      (await res.json()) as Ok<{
        results: { matched: boolean; conditions: { condition: string; matched: boolean }[] }[];
        matched_count: number;
        thresholds: { would_fire: boolean };
      }>
    ).data;
    expect(data.results.map((r) => r.matched)).toEqual([true, true, false]);
    expect(data.results[0]!.conditions).toEqual([{ condition: "jsonPayload.message LIKE '%Failed password%'", matched: true }]);
    expect(data).toMatchObject({ matched_count: 2, thresholds: { time_window: 300, would_fire: false } });
  });

  it("the in-memory matcher and the D1 backtest agree on the same logs", async () => {
    const tenant = await createTenant("rules-agree");
    const h = await userHeaders(tenant, "agree@rules.test", "analyst");
    const records = [
      { jsonPayload: { message: "Failed password for ROOT", port: 22, user: { name: "root" } }, level: "WARN", n: 5 },
      { message: "failed PASSWORD for admin", port: 2222, level: "INFO", n: "5" },
      { message: "Ünïcode Failed password", level: "ERROR", n: 10, ok: true },
      { message: "Accepted", port: null, level: "error", n: 3.5, ok: false },
      { level: "DEBUG", tags: ["a", "b"], n: -1 },
      { jsonPayload: null, message: "Failed password shadowed", n: 7 },
    ];
    expect((await postJson("/api/v1/logs", records, h)).status).toBe(202);
    const queries = [
      "SELECT * FROM logs WHERE jsonPayload.message LIKE '%failed password%'",
      "SELECT * FROM logs WHERE port >= 22 AND NOT level = 'INFO'",
      "SELECT * FROM logs WHERE level IN ('ERROR', 'WARN') OR n > 4",
      "SELECT * FROM logs WHERE n > 4",
      "SELECT * FROM logs WHERE n < '0'",
      "SELECT * FROM logs WHERE port IS NULL",
      "SELECT * FROM logs WHERE port IS NOT NULL AND port != 22",
      "SELECT * FROM logs WHERE jsonPayload.user.name = 'root'",
      "SELECT * FROM logs WHERE ok = TRUE",
      "SELECT * FROM logs WHERE level NOT LIKE 'e%' AND n NOT IN (5, 3.5)",
      "SELECT * FROM logs WHERE message LIKE '_nïcode%' OR message LIKE 'ü%'",
    ];
    for (const query of queries) {
      const rule = await createRule({ ...SEED_RULE, conditions: { query } }, h);
      const sample = (
        (await (await postJson(`/api/v1/rules/${rule.id}/test`, { sample_data: { logs: records } }, h)).json()) as Ok<{
          results: { matched: boolean }[];
        }>
      ).data.results.flatMap((r, i) => (r.matched ? [i] : []));
      const back = (
        (await (await postJson(`/api/v1/rules/${rule.id}/test?backtest=1h`, {}, h)).json()) as Ok<{
          backtest: { sample: { record: unknown }[] };
        }>
      ).data.backtest;
      const stored = back.sample.map((s) => records.findIndex((r) => JSON.stringify(r) === JSON.stringify(s.record)));
      expect(stored.sort(), query).toEqual(sample);
    }
  });
});

describe("rules: bad input", () => {
  it("answers each with a 4xx in the envelope, and changes nothing", async () => {
    const rule = await createRule(SEED_RULE);
    const put = (id: string, body: unknown) =>
      call(`/api/v1/rules/${id}`, {
        method: "PUT",
        headers: { ...analyst, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    const cases: [Promise<Response>, number][] = [
      [put(rule.id, { conditions: { query: "SELECT * FROM users WHERE 1 = 1" } }), 400],
      [put(rule.id, {}), 400],
      [put(rule.id, { severity: "SEVERE" }), 400],
      [put("rul_00000000000000000000000000000000", { enabled: false }), 404],
      [call("/api/v1/rules/not-a-rule", { headers: analyst }), 400],
      [postJson(`/api/v1/rules/${rule.id}/test`, {}, analyst), 400],
      [postJson(`/api/v1/rules/${rule.id}/test?backtest=30d`, {}, analyst), 400],
      [postJson(`/api/v1/rules/${rule.id}/test?backtest=soon`, {}, analyst), 400],
      [postJson("/api/v1/rules/rul_00000000000000000000000000000000/test", { sample_data: { logs: [] } }, analyst), 404],
      [postJson("/api/v1/rules", { ...SEED_RULE, conditions: { ...SEED_RULE.conditions, group_by: "a..b" } }, analyst), 400],
      [postJson("/api/v1/rules", { ...SEED_RULE, conditions: { ...SEED_RULE.conditions, time_window: 0 } }, analyst), 400],
    ];
    for (const [pending, status] of cases) {
      const res = await pending;
      expect(res.status).toBe(status);
      expect(((await res.json()) as Failure).success).toBe(false);
    }
    const after = ((await (await call(`/api/v1/rules/${rule.id}`, { headers: analyst })).json()) as Ok<{ rule: Rule }>).data.rule;
    expect(after).toMatchObject({ severity: "HIGH", enabled: true, conditions: { query: SEED_RULE.conditions.query } });
  });
});

describe("log ingestion", () => {
  it("takes a JSON array or NDJSON, and refuses what is too many, too big or not records", async () => {
    const ndjson = await call("/api/v1/logs", {
      method: "POST",
      headers: { ...analyst, "Content-Type": "application/x-ndjson" },
      body: '{"message":"one"}\n{"message":"two"}\n',
    });
    expect(ndjson.status, await ndjson.clone().text()).toBe(202);
    expect(((await ndjson.json()) as Ok<{ accepted: number }>).data.accepted).toBe(2);
    const cases: [RequestInit, number][] = [
      [{ body: JSON.stringify(Array.from({ length: 1001 }, () => ({ m: 1 }))) }, 400],
      [{ body: JSON.stringify([1, 2]) }, 400],
      [{ body: "[]" }, 400],
      [{ body: "[{" }, 400],
      [{ body: '{"ok":1}\nnot json\n', headers: { "Content-Type": "application/x-ndjson" } }, 400],
      [{ body: JSON.stringify([{ big: "x".repeat(1024 * 1024) }]) }, 413],
      [{ body: "message=1", headers: { "Content-Type": "text/plain" } }, 415],
    ];
    for (const [init, status] of cases) {
      const res = await call("/api/v1/logs", {
        method: "POST",
        ...init,
        headers: { ...analyst, "Content-Type": "application/json", ...(init.headers as Record<string, string>) },
      });
      expect(res.status, String(init.body).slice(0, 40)).toBe(status);
      expect(((await res.json()) as Failure).success).toBe(false);
    }
    expect((await postJson("/api/v1/logs", [{ m: 1 }], viewer)).status).toBe(403);
  });
});

describe("a firing rule", () => {
  it("counts matches per group over its window, fires once, emits rule.triggered and opens an incident", async () => {
    const tenant = await createTenant("rules-fire");
    const h = await userHeaders(tenant, "fire@rules.test", "analyst");
    const rule = await createRule(
      {
        ...SEED_RULE,
        name: "SSH brute force",
        severity: "MEDIUM",
        conditions: {
          ...SEED_RULE.conditions,
          thresholds: [{ metric: "event_count", operator: ">=", value: 3 }],
          group_by: "src_ip",
        },
      },
      h,
    );
    const failed = (ip: string) => ({ message: `Failed password for root from ${ip}`, src_ip: ip });
    await postJson("/api/v1/logs", [failed("203.0.113.9"), failed("203.0.113.9"), failed("198.51.100.1")], h);
    await postJson("/api/v1/logs", [failed("203.0.113.9"), { message: "Accepted", src_ip: "203.0.113.9" }], h);
    const incidents = async () =>
      (
        (await (await call("/api/v1/incidents?type=ssh_brute_force", { headers: h })).json()) as Ok<{
          incidents: { severity: string; affected_resources: string[]; metadata: Record<string, unknown> }[];
        }>
      ).data.incidents;
    await eventually(async () => (await incidents()).length === 1);
    const [opened] = await incidents();
    // escalate: true raises MEDIUM to HIGH; only the IP that crossed the threshold fired.
    expect(opened).toMatchObject({
      severity: "HIGH",
      affected_resources: ["203.0.113.9"],
      metadata: { rule_id: rule.id, match_count: 3 },
    });
    const triggered = await env.DB.prepare(
      "SELECT count(*) AS n FROM security_events WHERE tenant_id = ? AND type = 'rule.triggered'",
    )
      .bind(tenant)
      .first<{ n: number }>();
    expect(triggered?.n).toBe(1);
    // More matches inside the same window do not fire again.
    await postJson("/api/v1/logs", [failed("203.0.113.9"), failed("203.0.113.9")], h);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await incidents()).length).toBe(1);
  });

  it("a threshold spanning a whole 1,000-record request (evaluated in several jobs) fires once, counting every match", async () => {
    const tenant = await createTenant("rules-split");
    const h = await userHeaders(tenant, "split@rules.test", "analyst");
    await createRule(
      {
        ...SEED_RULE,
        name: "Spread brute force",
        conditions: { ...SEED_RULE.conditions, thresholds: [{ metric: "event_count", operator: ">=", value: 1000 }] },
      },
      h,
    );
    const records = Array.from({ length: 1000 }, (_, i) => ({ message: `Failed password for root from 203.0.113.${i % 250}` }));
    expect((await postJson("/api/v1/logs", records, h)).status).toBe(202);
    const opened = async () =>
      (
        (await (await call("/api/v1/incidents?type=spread_brute_force", { headers: h })).json()) as Ok<{
          incidents: { metadata: Record<string, unknown> }[];
        }>
      ).data.incidents;
    await eventually(async () => (await opened()).length === 1);
    expect((await opened())[0]!.metadata).toMatchObject({ match_count: 1000 });
    const matches = await env.DB.prepare(
      "SELECT count(*) AS n FROM rule_matches m JOIN rules r ON r.id = m.rule_id WHERE r.tenant_id = ?",
    )
      .bind(tenant)
      .first<{ n: number }>();
    expect(matches?.n).toBe(1000);
  });
});
