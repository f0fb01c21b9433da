import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, createApiKey, createTenant, postJson, userHeaders } from "./helpers";

type Incident = {
  id: string;
  incident_id: string;
  type: string;
  severity: string;
  status: string;
  occurrences: number;
  assigned_to: string | null;
  resolved_at: string | null;
  affected_resources: string[];
  metadata: Record<string, unknown>;
  timeline: { timestamp: string; event: string; agent: string; details: string }[];
  analysis: unknown;
};
type Envelope<T> = { success: boolean; data: T; meta: { timestamp: string; request_id: string } };
type Failure = { success: false; error: { code: string; message: string; details: Record<string, unknown> } };

let tenantId: string;
let analyst: Record<string, string>;
let viewer: Record<string, string>;

beforeAll(async () => {
  tenantId = await createTenant("incidents");
  analyst = await userHeaders(tenantId, "ana@incidents.test", "analyst");
  viewer = await userHeaders(tenantId, "vic@incidents.test", "viewer");
});

const put = (path: string, body: unknown, headers = analyst) =>
  call(path, { method: "PUT", headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });
async function open(body: Record<string, unknown>, headers = analyst): Promise<Incident> {
  const res = await postJson("/api/v1/incidents", body, headers);
  expect(res.status).toBe(201);
  return ((await res.json()) as Envelope<{ incident: Incident }>).data.incident;
}
const incident = async (res: Response) => ((await res.json()) as Envelope<{ incident: Incident }>).data.incident;

describe("incidents: create and read", () => {
  it("opens an incident as the seed's example, numbered per tenant, with its first timeline entry", async () => {
    const res = await postJson(
      "/api/v1/incidents",
      {
        type: "custom_alert",
        severity: "MEDIUM",
        description: "Unusual activity detected",
        affected_resources: ["resource-123"],
        metadata: { source: "external-siem", alert_id: "ext-001" },
      },
      analyst,
    );
    expect(res.status).toBe(201);
    const body = (await res.json()) as Envelope<{ incident: Incident; deduplicated: boolean }>;
    expect(body.success).toBe(true);
    expect(body.meta.request_id).toMatch(/^req_/);
    expect(body.data.deduplicated).toBe(false);
    const i = body.data.incident;
    expect(i).toMatchObject({ type: "custom_alert", severity: "MEDIUM", status: "OPEN", affected_resources: ["resource-123"] });
    expect(i.id).toMatch(/^inc_[0-9a-f]{32}$/);
    expect(i.incident_id).toMatch(new RegExp(`^INC-${new Date().getUTCFullYear()}-\\d{3,}$`));
    expect(i.timeline).toEqual([expect.objectContaining({ event: "Incident created", details: "Unusual activity detected" })]);

    for (const ref of [i.id, i.incident_id]) {
      const got = await call(`/api/v1/incidents/${ref}`, { headers: viewer });
      expect(got.status).toBe(200);
      expect((await incident(got)).metadata).toEqual({ source: "external-siem", alert_id: "ext-001" });
    }
  });

  it("refuses what the seed's error table covers, in its envelope", async () => {
    const other = await createTenant("incidents-other");
    const stranger = await userHeaders(other, "str@other.test", "admin");
    const mine = await open({ type: "custom_alert", severity: "LOW" });
    const cases: [Promise<Response>, number, string][] = [
      [call(`/api/v1/incidents/${mine.id}`, { headers: stranger }), 404, "NOT_FOUND"],
      [call("/api/v1/incidents/inc_00000000000000000000000000000000", { headers: analyst }), 404, "NOT_FOUND"],
      [call("/api/v1/incidents/nope", { headers: analyst }), 400, "INVALID_REQUEST"],
      [call("/api/v1/incidents"), 401, "UNAUTHORIZED"],
      [postJson("/api/v1/incidents", { type: "x", severity: "LOW" }, viewer), 403, "FORBIDDEN"],
      [postJson("/api/v1/incidents", { type: "x", severity: "SEVERE" }, analyst), 400, "INVALID_REQUEST"],
      [postJson("/api/v1/incidents", { severity: "LOW" }, analyst), 400, "INVALID_REQUEST"],
      [
        call("/api/v1/incidents", { method: "POST", headers: { ...analyst, "Content-Type": "application/json" }, body: "{nope" }),
        400,
        "INVALID_REQUEST",
      ],
      [put(`/api/v1/incidents/${mine.id}`, {}), 400, "INVALID_REQUEST"],
      [postJson(`/api/v1/incidents/${mine.id}/assign`, { notes: "no assignee" }, analyst), 400, "INVALID_REQUEST"],
      [postJson(`/api/v1/incidents/${mine.id}/resolve`, { false_positive: "yes" }, analyst), 400, "INVALID_REQUEST"],
      [postJson(`/api/v1/incidents/${mine.id}/assign`, { assignee: "x" }, stranger), 404, "NOT_FOUND"],
      [call("/api/v1/incidents?sort=priority", { headers: analyst }), 400, "INVALID_REQUEST"],
      [call("/api/v1/incidents?per_page=101", { headers: analyst }), 400, "INVALID_REQUEST"],
      [call("/api/v1/incidents?start_date=yesterday", { headers: analyst }), 400, "INVALID_REQUEST"],
      [call("/api/v1/incidents?status=CLOSED", { headers: analyst }), 400, "INVALID_REQUEST"],
    ];
    for (const [pending, status, code] of cases) {
      const res = await pending;
      expect(res.status, code).toBe(status);
      const body = (await res.json()) as Failure;
      expect(body).toMatchObject({ success: false, error: { code } });
    }
    const readKey = await createApiKey(tenantId, { name: "reader", scopes: ["read"] });
    const denied = await postJson("/api/v1/incidents", { type: "x", severity: "LOW" }, { "X-API-Key": readKey.key });
    expect(denied.status).toBe(403);
    const writeKey = await createApiKey(tenantId, { name: "siem", scopes: ["write"] });
    const viaKey = await postJson("/api/v1/incidents", { type: "siem_alert", severity: "HIGH" }, { "X-API-Key": writeKey.key });
    expect(viaKey.status).toBe(201);
    expect((await incident(viaKey)).timeline[0]!.agent).toBe(`api-key:${writeKey.id}`);
  });
});

describe("incidents: lifecycle", () => {
  it("moves only along valid transitions, naming the allowed ones, and records every change", async () => {
    const i = await open({ type: "suspicious_login", severity: "HIGH", affected_resources: ["user@example.com"] });
    const skip = await put(`/api/v1/incidents/${i.id}`, { status: "REMEDIATING" });
    expect(skip.status).toBe(409);
    expect(await skip.json()).toMatchObject({
      success: false,
      error: { code: "CONFLICT", details: { from: "OPEN", to: "REMEDIATING", allowed: ["INVESTIGATING", "FALSE_POSITIVE"] } },
    });
    const early = await postJson(`/api/v1/incidents/${i.id}/resolve`, { resolution_notes: "done" }, analyst);
    expect(early.status).toBe(409);

    const seedUpdate = await put(`/api/v1/incidents/${i.id}`, {
      status: "INVESTIGATING",
      assigned_to: "security-team",
      notes: "Under investigation by SOC",
    });
    expect(seedUpdate.status).toBe(200);
    expect(await incident(seedUpdate)).toMatchObject({ status: "INVESTIGATING", assigned_to: "security-team" });
    const assigned = await postJson(
      `/api/v1/incidents/${i.id}/assign`,
      { assignee: "security-analyst-1", notes: "Assigning to senior analyst for review" },
      analyst,
    );
    expect((await incident(assigned)).assigned_to).toBe("security-analyst-1");
    expect((await put(`/api/v1/incidents/${i.id}`, { status: "REMEDIATING" }, viewer)).status).toBe(403);
    expect((await put(`/api/v1/incidents/${i.id}`, { status: "REMEDIATING" })).status).toBe(200);
    const resolved = await incident(
      await postJson(`/api/v1/incidents/${i.id}/resolve`, { resolution_notes: "Blocked" }, analyst),
    );
    expect(resolved).toMatchObject({ status: "RESOLVED" });
    expect(resolved.resolved_at).not.toBeNull();
    expect(resolved.timeline.map((t) => `${t.event}: ${t.details}`)).toEqual([
      "Incident created: suspicious_login (HIGH)",
      "Status changed: OPEN → INVESTIGATING",
      "Assigned: Assigned to security-team",
      "Note: Under investigation by SOC",
      "Assigned: Assigned to security-analyst-1",
      "Note: Assigning to senior analyst for review",
      "Status changed: INVESTIGATING → REMEDIATING",
      "Status changed: REMEDIATING → RESOLVED",
      "Resolution notes: Blocked",
    ]);
    expect(resolved.timeline.every((t) => t.agent.startsWith("user:usr_"))).toBe(true);

    // A resolved incident may still be reclassified as a false positive; that is final.
    const fp = await postJson(
      `/api/v1/incidents/${i.id}/resolve`,
      { resolution_notes: "Legitimate", false_positive: true },
      analyst,
    );
    expect((await incident(fp)).status).toBe("FALSE_POSITIVE");
    const again = await put(`/api/v1/incidents/${i.id}`, { status: "OPEN" });
    expect(again.status).toBe(409);
    expect(((await again.json()) as Failure).error.details.allowed).toEqual([]);
  });

  it("settles two racing changes: one applies, the other is 409 and leaves no timeline entry", async () => {
    for (let round = 0; round < 3; round++) {
      const i = await open({ type: "race_check", severity: "LOW" });
      const [a, b] = await Promise.all([
        put(`/api/v1/incidents/${i.id}`, { status: "INVESTIGATING" }),
        put(`/api/v1/incidents/${i.id}`, { status: "FALSE_POSITIVE" }),
      ]);
      const statuses = [a.status, b.status].sort();
      const after = await incident(await call(`/api/v1/incidents/${i.id}`, { headers: analyst }));
      const changes = after.timeline.filter((t) => t.event === "Status changed").map((t) => t.details);
      if (statuses[0] === 200 && statuses[1] === 200) {
        // Serialised after all (the second saw the first's result): both moves are valid in that order.
        expect(changes).toEqual(["OPEN → INVESTIGATING", "INVESTIGATING → FALSE_POSITIVE"]);
      } else {
        expect(statuses).toEqual([200, 409]);
        expect(changes).toEqual([`OPEN → ${after.status}`]);
      }
    }
  });

  it("emits incident.created, incident.updated and incident.resolved into the pipeline", async () => {
    const i = await open({ type: "pipeline_check", severity: "CRITICAL" });
    await postJson(`/api/v1/incidents/${i.id}/resolve`, { false_positive: true }, analyst);
    const { results } = await env.DB.prepare(
      "SELECT type, severity, source FROM security_events WHERE tenant_id = ? AND system = ? ORDER BY occurred_at, rowid",
    )
      .bind(tenantId, i.incident_id)
      .all<{ type: string; severity: string; source: string }>();
    expect(results).toEqual([
      { type: "incident.created", severity: "critical", source: "incidents" },
      { type: "incident.resolved", severity: "critical", source: "incidents" },
    ]);
  });
});

describe("incidents: deduplication", () => {
  it("adds occurrences to the open incident with the same dedup_key, and opens anew once it is closed", async () => {
    const first = await open({ type: "brute_force", severity: "HIGH", dedup_key: "ssh:203.0.113.7" });
    const second = await postJson(
      "/api/v1/incidents",
      { type: "brute_force", severity: "HIGH", dedup_key: "ssh:203.0.113.7" },
      analyst,
    );
    expect(second.status).toBe(200);
    const body = (await second.json()) as Envelope<{ incident: Incident; deduplicated: boolean }>;
    expect(body.data).toMatchObject({ deduplicated: true, incident: { id: first.id, occurrences: 2 } });
    expect(body.data.incident.timeline.map((t) => t.event)).toEqual(["Incident created", "Occurrence added"]);

    // Racing creates with a new key: exactly one incident, every hit counted.
    const racing = await Promise.all(
      Array.from({ length: 6 }, () =>
        postJson("/api/v1/incidents", { type: "port_scan", severity: "LOW", dedup_key: "scan:1" }, analyst),
      ),
    );
    expect(racing.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    const ids = new Set(await Promise.all(racing.map(async (r) => (await incident(r)).id)));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    expect((await incident(await call(`/api/v1/incidents/${id}`, { headers: analyst }))).occurrences).toBe(6);

    await postJson(`/api/v1/incidents/${first.id}/resolve`, { false_positive: true }, analyst);
    const reopened = await open({ type: "brute_force", severity: "HIGH", dedup_key: "ssh:203.0.113.7" });
    expect(reopened.id).not.toBe(first.id);
  });
});
