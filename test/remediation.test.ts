import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { runRemediationExpiry } from "../functions/incidents/remediation/expiry";
import { createLogger } from "../functions/platform/log";
import { addDevice, createMachine, ownerCookie } from "./av-helpers";
import { call, createApiKey, createTenant, createUser, postJson, userHeaders } from "./helpers";

type Action = {
  id: string | null;
  incident_id: string | null;
  type: string;
  status: string;
  parameters: Record<string, unknown>;
  approval: {
    required: boolean;
    requested_by: string;
    approvers: string[];
    approved_by: string | null;
    expires_at: string | null;
  };
  plan: { operation: string; target: string; detail: string }[];
  result: Record<string, unknown> | null;
  expires_at: string | null;
  rollback: { available: boolean; rolled_back_at: string | null; reason: string | null };
};
type Failure = { success: false; error: { code: string; message: string; details: Record<string, unknown> } };

let tenantId: string;
let responder: Record<string, string>;
let second: Record<string, string>;
let analyst: Record<string, string>;
let admin: Record<string, string>;
let writeKey: Record<string, string>;

beforeAll(async () => {
  tenantId = await createTenant("remediation-co");
  responder = await userHeaders(tenantId, "rita@remediation.test", "responder");
  second = await userHeaders(tenantId, "sam@remediation.test", "responder");
  analyst = await userHeaders(tenantId, "ann@remediation.test", "analyst");
  admin = await userHeaders(tenantId, "ada@remediation.test", "admin");
  writeKey = { "X-API-Key": (await createApiKey(tenantId, { name: "soar", scopes: ["write"] })).key };
});

async function execute(body: Record<string, unknown>, headers = responder, status = 201): Promise<Action> {
  const res = await postJson("/api/v1/remediation/execute", body, headers);
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return (JSON.parse(text) as { data: { action: Action } }).data.action;
}
async function failure(res: Response, status: number): Promise<Failure["error"]> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  const body = JSON.parse(text) as Failure;
  expect(body.success).toBe(false);
  return body.error;
}
const rollback = (id: string, headers = responder, reason = "false positive") =>
  postJson(`/api/v1/remediation/${id}/rollback`, { reason }, headers);
const approve = (id: string, headers = second) =>
  postJson(`/api/v1/remediation/${id}/approve`, { approval_notes: "confirmed" }, headers);
const ingestFrom = (ip: string, headers = writeKey) =>
  call("/api/v1/logs", {
    method: "POST",
    headers: { "Content-Type": "application/json", "CF-Connecting-IP": ip, ...headers },
    body: JSON.stringify([{ message: "hello" }]),
  });

describe("the remediation catalog", () => {
  it("lists the seven actions with a parameter schema, a risk level and whether each can be rolled back", async () => {
    const res = await call("/api/v1/remediation/actions", { headers: analyst });
    expect(res.status).toBe(200);
    const { actions } = (
      (await res.json()) as {
        data: { actions: { name: string; risk: string; reversible: boolean; parameters: { properties?: object } }[] };
      }
    ).data;
    expect(actions.map((a) => a.name).sort()).toEqual(
      [
        "block_ip",
        "disable_user",
        "force_password_reset",
        "isolate_node",
        "quarantine_device",
        "revoke_api_key",
        "rotate_keys",
      ].sort(),
    );
    const block = actions.find((a) => a.name === "block_ip")!;
    expect(block).toMatchObject({ risk: "high", reversible: true });
    expect(Object.keys(block.parameters.properties!)).toEqual(
      expect.arrayContaining(["ip_addresses", "duration", "policy_name"]),
    );
    expect(actions.find((a) => a.name === "rotate_keys")!.reversible).toBe(false);
  });
});

describe("block_ip", () => {
  it("blocks the tenant's ingestion from the addresses at once, exports them, and rollback unblocks exactly them", async () => {
    expect((await ingestFrom("198.51.100.23")).status).toBe(202);
    const action = await execute({ action: "block_ip", parameters: { ip_addresses: ["198.51.100.23", "2001:db8:0:0::1/64"] } });
    expect(action).toMatchObject({ status: "completed", type: "block_ip" });
    expect(action.plan.map((s) => s.target)).toEqual(["198.51.100.23/32", "2001:db8::/64"]);

    const refused = await failure(await ingestFrom("198.51.100.23"), 403);
    expect(refused).toMatchObject({
      code: "FORBIDDEN",
      details: { blocked_ip: "198.51.100.23", blocked_by: "198.51.100.23/32" },
    });
    expect((await ingestFrom("::ffff:198.51.100.23")).status).toBe(403);
    expect((await ingestFrom("2001:db8::abcd")).status).toBe(403);
    expect((await ingestFrom("198.51.100.24")).status).toBe(202);
    expect(
      (await postJson("/api/v1/incidents", { type: "x", severity: "LOW" }, { ...writeKey, "CF-Connecting-IP": "198.51.100.23" }))
        .status,
    ).toBe(403);

    const text = await call("/api/v1/blocklist?format=text", { headers: analyst });
    expect(text.headers.get("Content-Type")).toMatch(/^text\/plain/);
    expect(
      (await text.text())
        .split("\n")
        .filter((l) => l && !l.startsWith("#"))
        .sort(),
    ).toEqual(["198.51.100.23/32", "2001:db8::/64"]);
    const json = (await (await call("/api/v1/blocklist", { headers: analyst })).json()) as {
      data: { entries: { cidr: string; remediation_id: string }[] };
    };
    expect(json.data.entries.every((e) => e.remediation_id === action.id)).toBe(true);

    const undone = await rollback(action.id!);
    expect(undone.status).toBe(200);
    expect(((await undone.json()) as { data: { action: Action } }).data.action).toMatchObject({
      status: "rolled_back",
      rollback: { reason: "false positive" },
    });
    expect((await ingestFrom("198.51.100.23")).status).toBe(202);
    expect(await failure(await rollback(action.id!), 409)).toMatchObject({ code: "CONFLICT" });
  });

  it("only touches its own tenant: another tenant's ingestion from the address is untouched and its ids are 404", async () => {
    const action = await execute({ action: "block_ip", parameters: { ip_addresses: ["192.0.2.0/24"] } });
    const other = await createTenant("remediation-other");
    const theirKey = { "X-API-Key": (await createApiKey(other, { name: "k", scopes: ["write"] })).key };
    expect((await ingestFrom("192.0.2.77", theirKey)).status).toBe(202);
    expect((await ingestFrom("192.0.2.77")).status).toBe(403);
    const theirResponder = await userHeaders(other, "tr@remediation-other.test", "responder");
    await failure(await call(`/api/v1/remediation/${action.id}`, { headers: theirResponder }), 404);
    await failure(await rollback(action.id!, theirResponder), 404);
    expect((await rollback(action.id!)).status).toBe(200);
  });

  it("a dry run returns the exact plan and changes nothing", async () => {
    const plan = await execute(
      { action: "block_ip", parameters: { ip_addresses: ["203.0.113.5"], duration: 3600 }, dry_run: true },
      responder,
      200,
    );
    expect(plan).toMatchObject({ id: null, status: "dry_run" });
    expect(plan.plan).toEqual([expect.objectContaining({ operation: "blocklist.add", target: "203.0.113.5/32" })]);
    expect(plan.plan[0]!.detail).toMatch(/until \d{4}-/);
    expect((await ingestFrom("203.0.113.5")).status).toBe(202);
    const { n } = (await env.DB.prepare("SELECT count(*) AS n FROM remediations WHERE tenant_id = ? AND status = 'dry_run'")
      .bind(tenantId)
      .first<{ n: number }>())!;
    expect(n).toBe(0);
  });

  it("rolls itself back when its duration has passed", async () => {
    const action = await execute({ action: "block_ip", parameters: { ip_addresses: ["203.0.113.99"], duration: 60 } });
    expect(action.expires_at).not.toBeNull();
    expect((await ingestFrom("203.0.113.99")).status).toBe(403);
    const outcome = await runRemediationExpiry(env, Date.now() + 61_000, createLogger("warn"));
    expect(outcome.rolledBack).toBeGreaterThanOrEqual(1);
    const after = (await (await call(`/api/v1/remediation/${action.id}`, { headers: analyst })).json()) as {
      data: { action: Action };
    };
    expect(after.data.action).toMatchObject({ status: "rolled_back", rollback: { reason: "duration elapsed" } });
    expect((await ingestFrom("203.0.113.99")).status).toBe(202);
  });

  it("refuses bad parameters, unknown actions and incidents, and callers below responder", async () => {
    const bad = await failure(
      await postJson(
        "/api/v1/remediation/execute",
        { action: "block_ip", parameters: { ip_addresses: ["999.1.1.1"] } },
        responder,
      ),
      400,
    );
    expect(bad).toMatchObject({ code: "INVALID_REQUEST" });
    expect(JSON.stringify(bad.details)).toContain("parameters.ip_addresses.0");
    await failure(
      await postJson(
        "/api/v1/remediation/execute",
        { action: "block_ip", parameters: { ip_addresses: ["10.0.0.0/4"] } },
        responder,
      ),
      400,
    );
    await failure(
      await postJson(
        "/api/v1/remediation/execute",
        { action: "block_ip", parameters: { ip_addresses: ["10.0.0.1"], extra: 1 } },
        responder,
      ),
      400,
    );
    await failure(await postJson("/api/v1/remediation/execute", { action: "format_disk", parameters: {} }, responder), 400);
    await failure(await postJson("/api/v1/remediation/execute", "{not json", responder), 400);
    await failure(
      await postJson("/api/v1/remediation/execute", { incident_id: "inc_nope", action: "rotate_keys" }, responder),
      404,
    );
    expect(await failure(await postJson("/api/v1/remediation/execute", { action: "rotate_keys" }, analyst), 403)).toMatchObject({
      code: "FORBIDDEN",
    });
    await failure(await call("/api/v1/remediation/rem_unknown", { headers: analyst }), 404);
  });
});

describe("approval", () => {
  it("waits for a different responder, runs once, and refuses the requester, API keys and analysts", async () => {
    const pending = await execute(
      { action: "block_ip", parameters: { ip_addresses: ["203.0.113.50"] }, require_approval: true },
      responder,
      202,
    );
    expect(pending).toMatchObject({
      status: "pending_approval",
      approval: { required: true, approvers: ["responder", "admin"] },
    });
    expect((await ingestFrom("203.0.113.50")).status).toBe(202);

    expect(await failure(await approve(pending.id!, responder), 403)).toMatchObject({
      details: { approval: "second_person_required" },
    });
    await failure(await approve(pending.id!, writeKey), 403);
    await failure(await approve(pending.id!, analyst), 403);
    const ok = await approve(pending.id!);
    expect(ok.status).toBe(200);
    const done = ((await ok.json()) as { data: { action: Action } }).data.action;
    expect(done).toMatchObject({ status: "completed", approval: { approved_by: expect.stringMatching(/^user:usr_/) } });
    expect((await ingestFrom("203.0.113.50")).status).toBe(403);
    await failure(await approve(pending.id!, admin), 409);
    expect((await rollback(pending.id!)).status).toBe(200);
  });

  it("an analyst previews and proposes; a responder approves; a viewer can do neither", async () => {
    const body = { action: "block_ip", parameters: { ip_addresses: ["203.0.113.61"] } };
    expect(await execute({ ...body, dry_run: true }, analyst, 200)).toMatchObject({ status: "dry_run" });
    const proposed = await execute({ ...body, require_approval: true }, analyst, 202);
    expect(proposed).toMatchObject({ status: "pending_approval" });
    await failure(await approve(proposed.id!, analyst), 403);
    const ok = await approve(proposed.id!, responder);
    expect(ok.status).toBe(200);
    expect((await ok.json()) as { data: { action: Action } }).toMatchObject({ data: { action: { status: "completed" } } });
    expect((await ingestFrom("203.0.113.61")).status).toBe(403);
    expect((await rollback(proposed.id!)).status).toBe(200);
    const viewer = await userHeaders(tenantId, "vera@remediation.test", "viewer");
    await failure(await postJson("/api/v1/remediation/execute", { ...body, require_approval: true }, viewer), 403);
  });

  it("expires unapproved after a day", async () => {
    const pending = await execute({ action: "rotate_keys", require_approval: true }, responder, 202);
    await env.DB.prepare("UPDATE remediations SET approval_expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, pending.id)
      .run();
    expect(await failure(await approve(pending.id!), 409)).toMatchObject({ details: { status: "approval_expired" } });
    const after = (await (await call(`/api/v1/remediation/${pending.id}`, { headers: analyst })).json()) as {
      data: { action: Action };
    };
    expect(after.data.action.status).toBe("approval_expired");
  });
});

describe("access actions", () => {
  it("disable_user ends the user's sign-ins at once; rollback lets them sign in again", async () => {
    const victim = await createUser(tenantId, "vic@remediation.test", "analyst");
    const login = () => postJson("/auth/login", { username: victim.username, password: victim.password });
    const { access_token } = ((await (await login()).json()) as { data: { access_token: string } }).data;
    const theirs = { Authorization: `Bearer ${access_token}` };
    expect((await call("/api/v1/incidents", { headers: theirs })).status).toBe(200);

    const action = await execute({ action: "disable_user", parameters: { username: victim.username } });
    expect(action.result).toMatchObject({ token_families_revoked: 1 });
    expect((await call("/api/v1/incidents", { headers: theirs })).status).toBe(401);
    expect(await failure(await login(), 403)).toMatchObject({ details: { reason: "user_disabled" } });
    await failure(
      await postJson(
        "/api/v1/remediation/execute",
        { action: "disable_user", parameters: { username: victim.username } },
        responder,
      ),
      409,
    );

    expect((await rollback(action.id!)).status).toBe(200);
    expect((await login()).status).toBe(200);
    const row = await env.DB.prepare("SELECT disabled_at FROM users WHERE id = ?")
      .bind(victim.id)
      .first<{ disabled_at: number | null }>();
    expect(row!.disabled_at).toBeNull();
  });

  it("force_password_reset refuses sign-in until an admin sets a new password", async () => {
    const user = await createUser(tenantId, "pat@remediation.test", "viewer");
    await execute({ action: "force_password_reset", parameters: { username: user.username } });
    expect(await failure(await postJson("/auth/login", { username: user.username, password: user.password }), 403)).toMatchObject(
      {
        details: { reason: "password_reset_required" },
      },
    );
    await failure(
      await postJson(`/api/v1/users/${user.username}/password`, { password: "a brand new passphrase" }, responder),
      403,
    );
    expect(
      await failure(await postJson(`/api/v1/users/${user.username}/password`, { password: "short" }, admin), 400),
    ).toMatchObject({
      code: "INVALID_REQUEST",
    });
    await failure(
      await postJson("/api/v1/users/nobody@remediation.test/password", { password: "a brand new passphrase" }, admin),
      404,
    );
    expect(
      (await postJson(`/api/v1/users/${user.username}/password`, { password: "a brand new passphrase" }, admin)).status,
    ).toBe(200);
    expect((await postJson("/auth/login", { username: user.username, password: "a brand new passphrase" })).status).toBe(200);
  });

  it("revoke_api_key refuses the key from its next request; rollback reinstates it; another tenant's key is 404", async () => {
    const key = await createApiKey(tenantId, { name: "leaky", scopes: ["read"] });
    const headers = { "X-API-Key": key.key };
    expect((await call("/api/v1/incidents", { headers })).status).toBe(200);
    const action = await execute({ action: "revoke_api_key", parameters: { key_id: key.id } });
    expect((await call("/api/v1/incidents", { headers })).status).toBe(401);
    expect((await rollback(action.id!)).status).toBe(200);
    expect((await call("/api/v1/incidents", { headers })).status).toBe(200);

    const other = await createTenant("remediation-keys-other");
    const theirs = await createApiKey(other, { name: "theirs", scopes: ["read"] });
    await failure(
      await postJson("/api/v1/remediation/execute", { action: "revoke_api_key", parameters: { key_id: theirs.id } }, responder),
      404,
    );
  });
});

describe("command console and agent actions", () => {
  it("isolate_node severs the node's links; rollback restores exactly them; a protected node needs approval", async () => {
    for (const [id, isProtected] of [
      ["N1", false],
      ["N2", false],
      ["N3", true],
    ] as const)
      expect(
        (await postJson("/api/mesh/nodes", { id, label: id, systemType: "grid", region: "eu", protected: isProtected }, writeKey))
          .status,
      ).toBe(201);
    expect((await postJson("/api/mesh/links", { sourceId: "N1", targetId: "N2", weight: 1 }, writeKey)).status).toBe(201);
    const action = await execute({ action: "isolate_node", parameters: { node_id: "N1" } });
    expect(action.result).toMatchObject({ severed_connections: 1 });
    const node = async () => (await (await call("/api/mesh/nodes/N1", { headers: writeKey })).json()) as { state: string };
    expect((await node()).state).toBe("ISOLATED");
    expect((await rollback(action.id!)).status).toBe(200);
    expect((await node()).state).toBe("NOMINAL");
    const links = (await (await call("/api/mesh/links", { headers: writeKey })).json()) as {
      sourceId: string;
      severedAt?: string | null;
    }[];
    expect(JSON.stringify(links)).toContain("N1");

    await failure(
      await postJson("/api/v1/remediation/execute", { action: "isolate_node", parameters: { node_id: "N3" } }, responder),
      403,
    );
    await execute({ action: "isolate_node", parameters: { node_id: "N3" }, require_approval: true }, responder, 202);
    await failure(
      await postJson("/api/v1/remediation/execute", { action: "isolate_node", parameters: { node_id: "NX" } }, responder),
      404,
    );
  });

  it("rotate_keys runs through the console's key service and cannot be rolled back", async () => {
    const action = await execute({ action: "rotate_keys" });
    expect(action.result!.new_key_fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(action.rollback.available).toBe(false);
    expect(await failure(await rollback(action.id!), 409)).toMatchObject({ details: { reversible: false } });
  });

  it("quarantine_device makes the device quarantined in its machine; rollback releases it", async () => {
    const owner = await createUser(tenantId, "owner@remediation.test", "analyst");
    await createMachine(tenantId, "rem-box", owner.id);
    const cookie = await ownerCookie(owner);
    const deviceId = await addDevice("rem-box", cookie);
    const quarantined = async () =>
      (
        (await (await call("/api/av/devices?slug=rem-box", { headers: cookie })).json()) as {
          devices: { device_id: string; quarantined: boolean }[];
        }
      ).devices.find((d) => d.device_id === deviceId)!.quarantined;
    const action = await execute({ action: "quarantine_device", parameters: { machine: "rem-box", device_id: deviceId } });
    expect(await quarantined()).toBe(true);
    expect((await rollback(action.id!)).status).toBe(200);
    expect(await quarantined()).toBe(false);
    await failure(
      await postJson(
        "/api/v1/remediation/execute",
        { action: "quarantine_device", parameters: { machine: "rem-box", device_id: "nope" } },
        responder,
      ),
      404,
    );
  });
});

describe("incident linkage", () => {
  it("writes the request, approval, execution and rollback on the incident's timeline and emits remediation.executed", async () => {
    const created = await postJson("/api/v1/incidents", { type: "brute_force", severity: "HIGH" }, responder);
    const incident = ((await created.json()) as { data: { incident: { id: string; incident_id: string } } }).data.incident;
    const pending = await execute(
      {
        incident_id: incident.incident_id,
        action: "block_ip",
        parameters: { ip_addresses: ["203.0.113.77"] },
        require_approval: true,
      },
      responder,
      202,
    );
    expect(pending.incident_id).toBe(incident.id);
    expect((await approve(pending.id!)).status).toBe(200);
    expect((await rollback(pending.id!)).status).toBe(200);
    const detail = (await (await call(`/api/v1/incidents/${incident.id}`, { headers: analyst })).json()) as {
      data: { incident: { timeline: { event: string }[] } };
    };
    expect(detail.data.incident.timeline.map((t) => t.event)).toEqual([
      "Incident created",
      "Remediation requested",
      "Remediation approved",
      "Remediation executed",
      "Remediation rolled back",
    ]);
    const events = await env.DB.prepare(
      "SELECT details FROM security_events WHERE tenant_id = ? AND type = 'remediation.executed' AND details LIKE ?",
    )
      .bind(tenantId, `%${pending.id}%`)
      .all<{ details: string }>();
    expect(events.results.map((e) => (JSON.parse(e.details) as { operation: string }).operation).sort()).toEqual([
      "execute",
      "rollback",
    ]);
  });
});
