import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { call, createApiKey, createTenant, eventually, postJson, SEED_RULE, userHeaders } from "./helpers";

type Ok<T> = { success: true; data: T };
type Recommendation = { action: string; priority: string; reasoning: string; parameters: Record<string, unknown> };

const ATTACKER = "203.0.113.66";
const SHIPPER = "198.51.100.10";

/**
 * The incident-response family end to end, as a client written to the seed drives it: logs come
 * in, a rule fires, an incident opens, the analysis recommends blocking the source, a second
 * responder approves, the edge refuses the source, and rollback lets it in again.
 */
it("logs → rule fires → incident → analysis recommends block_ip → second responder approves → blocked at the edge → rollback unblocks", async () => {
  const tenantId = await createTenant("flow-co");
  const rita = await userHeaders(tenantId, "rita@flow.test", "responder");
  const sam = await userHeaders(tenantId, "sam@flow.test", "responder");
  const shipper = { "X-API-Key": (await createApiKey(tenantId, { name: "log shipper", scopes: ["write"] })).key };
  const ingest = (ip: string, records: object[]) =>
    call("/api/v1/logs", {
      method: "POST",
      headers: { "Content-Type": "application/json", "CF-Connecting-IP": ip, ...shipper },
      body: JSON.stringify(records),
    });

  const rule = await postJson("/api/v1/rules", SEED_RULE, rita);
  expect(rule.status).toBe(201);

  const failures = ["root", "admin", "oracle", "ubuntu", "test", "pi"].map((user, i) => ({
    jsonPayload: { message: `Failed password for ${user} from ${ATTACKER} port ${40000 + i} ssh2` },
    source_ip: ATTACKER,
    user,
  }));
  expect((await ingest(SHIPPER, failures)).status).toBe(202);

  let incident: { id: string; incident_id: string; severity: string } | undefined;
  await eventually(async () => {
    const res = await call("/api/v1/incidents?type=failed_ssh_login_detection", { headers: rita });
    incident = ((await res.json()) as Ok<{ incidents: { id: string; incident_id: string; severity: string }[] }>).data
      .incidents[0];
    return Boolean(incident);
  }, 20_000);
  expect(incident!.severity).toBe("CRITICAL"); // HIGH, escalated

  const started = await postJson(
    "/api/v1/analysis/analyze",
    { incident_id: incident!.id, analysis_type: "root_cause", urgency: "high" },
    rita,
  );
  expect([200, 202]).toContain(started.status);
  const { analysis_id, status } = ((await started.json()) as Ok<{ analysis_id: string; status: string }>).data;
  expect(status).toBe("in_progress");
  let recommendations: Recommendation[] = [];
  await eventually(async () => {
    const res = await call(`/api/v1/analysis/${analysis_id}`, { headers: rita });
    const { analysis } = (
      (await res.json()) as Ok<{ analysis: { status: string; results: { recommendations: Recommendation[] } } }>
    ).data;
    recommendations = analysis.status === "completed" ? analysis.results.recommendations : [];
    return analysis.status === "completed";
  }, 20_000);
  const block = recommendations.find((r) => r.action === "block_ip");
  expect(block?.parameters.ip_addresses).toContain(ATTACKER);

  const requested = await postJson(
    "/api/v1/remediation/execute",
    { incident_id: incident!.id, action: "block_ip", parameters: block!.parameters, require_approval: true },
    rita,
  );
  expect(requested.status).toBe(202);
  const actionId = ((await requested.json()) as Ok<{ action: { id: string } }>).data.action.id;
  expect((await ingest(ATTACKER, [{ message: "still open" }])).status).toBe(202);

  expect((await postJson(`/api/v1/remediation/${actionId}/approve`, { approval_notes: "mine" }, rita)).status).toBe(403);
  const approved = await postJson(
    `/api/v1/remediation/${actionId}/approve`,
    { approval_notes: "Approved - confirmed malicious activity" },
    sam,
  );
  expect(approved.status).toBe(200);
  expect(((await approved.json()) as Ok<{ action: { status: string } }>).data.action.status).toBe("completed");

  const refused = await ingest(ATTACKER, [{ message: "blocked?" }]);
  expect(refused.status).toBe(403);
  expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
  expect((await ingest(SHIPPER, [{ message: "the shipper is not blocked" }])).status).toBe(202);
  const exported = await (await call("/api/v1/blocklist?format=text", { headers: sam })).text();
  expect(exported).toContain(`${ATTACKER}/32`);

  const undone = await postJson(
    `/api/v1/remediation/${actionId}/rollback`,
    { reason: "False positive identified after review" },
    rita,
  );
  expect(undone.status).toBe(200);
  expect((await ingest(ATTACKER, [{ message: "let in again" }])).status).toBe(202);
  expect(await (await call("/api/v1/blocklist?format=text", { headers: sam })).text()).not.toContain(ATTACKER);

  const timeline = (
    (await (await call(`/api/v1/incidents/${incident!.id}`, { headers: sam })).json()) as Ok<{
      incident: { timeline: { event: string }[] };
    }>
  ).data.incident.timeline.map((t) => t.event);
  expect(timeline).toEqual(
    expect.arrayContaining([
      "Incident created",
      "Analysis started",
      "Analysis completed",
      "Remediation requested",
      "Remediation approved",
      "Remediation executed",
      "Remediation rolled back",
    ]),
  );
  const types = await env.DB.prepare("SELECT DISTINCT type FROM security_events WHERE tenant_id = ?")
    .bind(tenantId)
    .all<{ type: string }>();
  expect(types.results.map((r) => r.type)).toEqual(
    expect.arrayContaining(["rule.triggered", "incident.created", "analysis.completed", "remediation.executed"]),
  );
});
