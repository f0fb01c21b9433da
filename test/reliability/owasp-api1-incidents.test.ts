import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, eventually, postJson, receiverInbox, SEED_RULE } from "../helpers";
import { Checks, ok, refused, send, world, type Headers, type World } from "./owasp-helpers";

// OWASP API1:2023 Broken object-level authorisation, incident-response family and webhooks:
// tenant B, holding every credential of its own tenant, asks for tenant A's objects by id.
// The answer is 404 in the family's envelope, never the object, and A's object is unchanged.
const checks = new Checks("OWASP API1 (incident response, webhooks, API keys)");
const MARK = `tenant-a-private-${crypto.randomUUID()}`;
let a: World;
let b: World;
let bAll: Headers[];
const ids: Record<string, string> = {};
let group = "API1 incident response";

beforeAll(async () => {
  a = await world("api1-a");
  b = await world("api1-b");
  bAll = [b.admin.headers, b.writeKey, b.responder.headers];
  const incident = await ok(
    await postJson("/api/v1/incidents", { type: "custom_alert", severity: "HIGH", description: MARK }, a.admin.headers),
    201,
  );
  ids.incident = incident.data.incident.id;
  ids.number = incident.data.incident.incident_id;
  ids.rule = (await ok(await postJson("/api/v1/rules", { ...SEED_RULE, name: MARK }, a.admin.headers), 201)).data.rule.id;
  const analysis = await postJson("/api/v1/analysis/analyze", { incident_id: ids.incident }, a.admin.headers);
  ids.analysis = (await ok(analysis, 202)).data.analysis_id;
  // The analysis completes on the queue and changes the incident: let it, before B tries anything.
  await eventually(async () => (await aSees(`/api/v1/analysis/${ids.analysis}`)).analysis.status !== "in_progress");
  const remediation = await postJson(
    "/api/v1/remediation/execute",
    {
      incident_id: ids.incident,
      action: "block_ip",
      parameters: { ip_addresses: ["203.0.113.77"], policy_name: MARK },
      require_approval: true,
    },
    a.responder.headers,
  );
  ids.remediation = (await ok(remediation, 202)).data.action.id;
  const inbox = await receiverInbox();
  const hook = await postJson(
    "/api/v1/webhooks",
    { url: inbox.url, events: ["fragmentation.expired"], description: MARK },
    a.writeKey,
  );
  const created = (await ok(hook, 201)).data;
  ids.webhook = created.id;
  ids.secret = created.secret;
  ids.delivery = (
    await ok(await call(`/api/v1/webhooks/${ids.webhook}/test`, { method: "POST", headers: a.writeKey }), 202)
  ).data.id;
  const key = await postJson("/api/v1/auth/api-keys", { name: MARK, scopes: ["read"] }, a.admin.headers);
  const k = (await ok(key, 201)).data;
  ids.key = k.id;
  ids.keyValue = k.key;
});

afterAll(() => console.log(checks.summary()));

/** Every attempt by B: 404 in the family's envelope, with nothing of A's in the body. */
async function denied(method: string, path: string, body?: unknown, headers: Headers[] = bAll, statuses = [404]) {
  for (const h of headers) {
    await refused(await send(method, path, body, h), statuses, path, [MARK, ids.secret!]);
    checks.hit(group);
  }
}

const aSees = async (path: string, headers = a.admin.headers) => (await ok(await call(path, { headers }))).data;

describe("API1 Broken object-level authorisation: incident response", () => {
  it("incidents: read, update, assign, resolve and analyse by another tenant are 404; A's incident is unchanged", async () => {
    const before = await aSees(`/api/v1/incidents/${ids.incident}`);
    for (const ref of [ids.incident!, ids.number!]) await denied("GET", `/api/v1/incidents/${ref}`);
    await denied("PUT", `/api/v1/incidents/${ids.incident}`, { status: "INVESTIGATING", notes: "mine now" });
    await denied("POST", `/api/v1/incidents/${ids.incident}/assign`, { assignee: "mallory" });
    await denied("POST", `/api/v1/incidents/${ids.incident}/resolve`, { false_positive: true });
    await denied("POST", "/api/v1/analysis/analyze", { incident_id: ids.incident });
    const list = await ok(await call("/api/v1/incidents?per_page=100", { headers: b.admin.headers }));
    expect(JSON.stringify(list)).not.toContain(MARK);
    checks.hit("API1 incident response");
    const after = await aSees(`/api/v1/incidents/${ids.incident}`);
    expect(after.incident).toEqual(before.incident);
    checks.hit("API1 incident response");
  });

  it("rules: read, replace, delete and test by another tenant are 404; A's rule still exists", async () => {
    await denied("GET", `/api/v1/rules/${ids.rule}`);
    await denied("PUT", `/api/v1/rules/${ids.rule}`, { ...SEED_RULE, name: "taken over", enabled: false });
    await denied("POST", `/api/v1/rules/${ids.rule}/test`, { sample_data: { logs: [{ message: "Failed password" }] } });
    await denied("DELETE", `/api/v1/rules/${ids.rule}`);
    expect((await aSees(`/api/v1/rules/${ids.rule}`)).rule).toMatchObject({ name: MARK, enabled: true });
    checks.hit("API1 incident response");
  });

  it("analyses and remediation actions: read, approve and roll back by another tenant are 404", async () => {
    await denied("GET", `/api/v1/analysis/${ids.analysis}`);
    await denied("GET", `/api/v1/remediation/${ids.remediation}`);
    await denied("POST", `/api/v1/remediation/${ids.remediation}/approve`, { approval_notes: "ok" }, [
      b.admin.headers,
      b.responder.headers,
    ]);
    await denied("POST", `/api/v1/remediation/${ids.remediation}/rollback`, { reason: "mine" });
    // Remediation targets are checked in the caller's tenant too: A's incident and A's key are unknown to B.
    await denied("POST", "/api/v1/remediation/execute", {
      incident_id: ids.incident,
      action: "block_ip",
      parameters: { ip_addresses: ["203.0.113.78"] },
    });
    await denied("POST", "/api/v1/remediation/execute", { action: "revoke_api_key", parameters: { key_id: ids.key } });
    await denied("POST", "/api/v1/remediation/execute", {
      action: "disable_user",
      parameters: { username: a.viewer.user.username },
    });
    expect((await aSees(`/api/v1/remediation/${ids.remediation}`)).action.status).toBe("pending_approval");
    expect((await call("/auth/me", { headers: { "X-API-Key": ids.keyValue! } })).status).toBe(200);
    expect((await call("/auth/me", { headers: a.viewer.headers })).status).toBe(200);
    checks.hit("API1 incident response", 3);
  });

  it("API keys and users: another tenant's key cannot be revoked, nor another tenant's user's password set", async () => {
    await denied("DELETE", `/api/v1/auth/api-keys/${ids.key}`, undefined, [b.admin.headers]);
    await denied(
      "POST",
      `/api/v1/users/${encodeURIComponent(a.viewer.user.username)}/password`,
      {
        password: "a brand new password 123",
      },
      [b.admin.headers],
    );
    expect((await call("/auth/me", { headers: { "X-API-Key": ids.keyValue! } })).status).toBe(200);
    const login = await postJson("/auth/login", { username: a.viewer.user.username, password: a.viewer.user.password });
    expect(login.status).toBe(200);
    checks.hit("API1 incident response", 2);
  });
});

describe("API1 Broken object-level authorisation: webhooks under both families", () => {
  beforeAll(() => void (group = "API1 webhooks"));
  const families = () => [
    { base: "/api/v1/webhooks", headers: [b.writeKey, b.admin.headers] },
    { base: "/v3/webhooks", headers: [b.quantum, b.manage] },
  ];

  it("an endpoint, its secret, its deliveries and its test send are 404 to another tenant, in each family's envelope", async () => {
    for (const { base, headers } of families()) {
      await denied("GET", `${base}/${ids.webhook}`, undefined, headers);
      await denied("PATCH", `${base}/${ids.webhook}`, { url: "https://attacker.example.com/x", active: true }, headers);
      await denied("POST", `${base}/${ids.webhook}/rotate-secret`, {}, headers);
      await denied("POST", `${base}/${ids.webhook}/test`, undefined, headers);
      await denied("GET", `${base}/${ids.webhook}/deliveries`, undefined, headers);
      await denied("GET", `${base}/deliveries/${ids.delivery}`, undefined, headers);
      await denied("POST", `${base}/deliveries/${ids.delivery}/replay`, undefined, headers);
      await denied("DELETE", `${base}/${ids.webhook}`, undefined, headers);
      const list = await call(base, { headers: headers[0] });
      expect(await list.text()).not.toContain(ids.webhook);
      checks.hit("API1 webhooks");
    }
  });

  it("A's endpoint is untouched: same URL, still active, and nothing was replayed or re-sent", async () => {
    const hook = await aSees(`/api/v1/webhooks/${ids.webhook}`, a.writeKey);
    expect(hook).toMatchObject({ description: MARK, active: true, previous_secret_valid_until: null });
    expect(hook.url).toContain("127.0.0.1");
    const deliveries = (await aSees(`/api/v1/webhooks/${ids.webhook}/deliveries`, a.writeKey)).deliveries;
    expect(deliveries).toHaveLength(1);
    checks.hit("API1 webhooks", 2);
  });
});
