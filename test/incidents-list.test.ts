import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, createTenant, postJson, userHeaders } from "./helpers";

type Listed = {
  success: boolean;
  data: {
    incidents: { id: string; type: string; severity: string; status: string; created_at: string }[];
    pagination: { page: number; per_page: number; total: number; pages: number; has_next: boolean; has_prev: boolean };
  };
};

let headers: Record<string, string>;
let tenantId: string;
const ids: Record<string, string> = {};
const list = async (query: string) => {
  const res = await call(`/api/v1/incidents?${query}`, { headers });
  expect(res.status).toBe(200);
  return ((await res.json()) as Listed).data;
};

beforeAll(async () => {
  tenantId = await createTenant("incidents-list");
  headers = await userHeaders(tenantId, "lia@list.test", "analyst");
  const specs: [string, string, string][] = [
    ["a", "suspicious_login", "CRITICAL"],
    ["b", "suspicious_login", "LOW"],
    ["c", "malware", "HIGH"],
    ["d", "malware", "MEDIUM"],
    ["e", "data_exfil", "HIGH"],
  ];
  for (const [name, type, severity] of specs) {
    const res = await postJson("/api/v1/incidents", { type, severity }, headers);
    ids[name] = ((await res.json()) as { data: { incident: { id: string } } }).data.incident.id;
  }
  await call(`/api/v1/incidents/${ids.c}`, {
    method: "PUT",
    headers: { ...headers, "Content-Type": "application/json" },
    body: JSON.stringify({ status: "INVESTIGATING" }),
  });
  await postJson(`/api/v1/incidents/${ids.d}/resolve`, { false_positive: true }, headers);
  // Known creation dates, so range filters have something to cut: a on 2026-06-01, b on 2026-06-11.
  await env.DB.prepare("UPDATE incidents SET created_at = ? WHERE id = ?").bind(Date.parse("2026-06-01T12:00:00Z"), ids.a).run();
  await env.DB.prepare("UPDATE incidents SET created_at = ? WHERE id = ?").bind(Date.parse("2026-06-11T08:00:00Z"), ids.b).run();
});

describe("GET /api/v1/incidents", () => {
  it("filters by repeated or comma-separated status, by severity and by type", async () => {
    const open = await list("status=OPEN&status=INVESTIGATING");
    expect(open.incidents.map((i) => i.id).sort()).toEqual([ids.a, ids.b, ids.c, ids.e].sort());
    expect((await list("status=INVESTIGATING,FALSE_POSITIVE")).incidents.map((i) => i.id).sort()).toEqual([ids.c, ids.d].sort());
    expect((await list("severity=HIGH")).incidents.map((i) => i.id).sort()).toEqual([ids.c, ids.e].sort());
    expect((await list("type=malware&status=OPEN")).incidents).toEqual([]);
    expect((await list("type=suspicious_login")).pagination.total).toBe(2);
  });

  it("cuts by creation date: start_date/end_date (whole days) and created_after/created_before", async () => {
    expect((await list("start_date=2026-06-01&end_date=2026-06-01")).incidents.map((i) => i.id)).toEqual([ids.a]);
    expect((await list("start_date=2026-06-01&end_date=2026-06-11")).incidents.map((i) => i.id)).toEqual([ids.b, ids.a]);
    expect((await list("created_after=2026-06-02&created_before=2026-06-11")).incidents).toEqual([]);
    expect((await list("created_after=2026-06-02&created_before=2026-06-12")).incidents.map((i) => i.id)).toEqual([ids.b]);
    expect((await list("created_before=2026-06-11T08:00:00.001Z")).pagination.total).toBe(2);
  });

  it("sorts by severity, creation or update time, either way", async () => {
    const bySeverity = (await list("sort=severity&order=desc")).incidents.map((i) => i.severity);
    expect(bySeverity).toEqual(["CRITICAL", "HIGH", "HIGH", "MEDIUM", "LOW"]);
    expect((await list("sort=severity&order=asc")).incidents[0]!.severity).toBe("LOW");
    const oldest = (await list("sort=created_at&order=asc")).incidents.map((i) => i.id);
    expect(oldest.slice(0, 2)).toEqual([ids.a, ids.b]);
    expect((await list("sort=updated_at&order=desc")).incidents[0]!.id).toBe(ids.d);
  });

  it("paginates with the seed's meta, pages never overlapping", async () => {
    const first = await list("per_page=2&page=1&sort=created_at&order=asc");
    expect(first.pagination).toEqual({ page: 1, per_page: 2, total: 5, pages: 3, has_next: true, has_prev: false });
    const second = await list("per_page=2&page=2&sort=created_at&order=asc");
    expect(second.pagination).toMatchObject({ page: 2, has_next: true, has_prev: true });
    const third = await list("per_page=2&page=3&sort=created_at&order=asc");
    expect(third.pagination).toMatchObject({ has_next: false, has_prev: true });
    const seen = [...first.incidents, ...second.incidents, ...third.incidents].map((i) => i.id);
    expect(new Set(seen).size).toBe(5);
    expect((await list("per_page=2&page=9")).incidents).toEqual([]);
    expect((await list("")).pagination).toMatchObject({ page: 1, per_page: 20 });
  });
});

describe("totals kept by triggers", () => {
  const counted = async (where: string, ...binds: unknown[]) =>
    (await env.DB.prepare(`SELECT count(*) AS n FROM incidents WHERE tenant_id = ? ${where}`)
      .bind(tenantId, ...binds)
      .first<{ n: number }>())!.n;

  it("agree with counting the incidents, through creates, moves, severity changes and deletes", async () => {
    const extra = await postJson("/api/v1/incidents", { type: "malware", severity: "LOW" }, headers);
    const id = ((await extra.json()) as { data: { incident: { id: string } } }).data.incident.id;
    await call(`/api/v1/incidents/${id}`, {
      method: "PUT",
      headers: { ...headers, "Content-Type": "application/json" },
      body: JSON.stringify({ status: "INVESTIGATING", severity: "CRITICAL" }),
    });
    const cases: [string, string, unknown[]][] = [
      ["", "", []],
      ["status=OPEN", "AND status = 'OPEN'", []],
      ["status=INVESTIGATING&severity=CRITICAL", "AND status = 'INVESTIGATING' AND severity = 'CRITICAL'", []],
      ["type=malware", "AND type = 'malware'", []],
      ["severity=HIGH,LOW&type=suspicious_login", "AND severity IN ('HIGH', 'LOW') AND type = 'suspicious_login'", []],
    ];
    for (const [query, where, binds] of cases)
      expect((await list(query)).pagination.total, query).toBe(await counted(where, ...binds));
    await env.DB.prepare("DELETE FROM incidents WHERE id = ?").bind(id).run();
    for (const [query, where, binds] of cases)
      expect((await list(query)).pagination.total, query).toBe(await counted(where, ...binds));
  });

  it("go with their tenant", async () => {
    const gone = await createTenant("incidents-list-gone");
    const theirs = await userHeaders(gone, "g@gone.test", "analyst");
    expect((await postJson("/api/v1/incidents", { type: "x", severity: "LOW" }, theirs)).status).toBe(201);
    await env.DB.prepare("DELETE FROM tenants WHERE id = ?").bind(gone).run();
    const left = await env.DB.prepare("SELECT count(*) AS n FROM incident_counts WHERE tenant_id = ?")
      .bind(gone)
      .first<{ n: number }>();
    expect(left!.n).toBe(0);
  });
});
