import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ed25519Keys } from "../consensus-agents";
import { adminHeaders, call, createApiKey, createTenant, eventually, postJson, receiverInbox, SEED_RULE } from "../helpers";
import { Checks, keysOf, ok, send, world, type Headers, type World } from "./owasp-helpers";

// OWASP API3:2023 Broken object-property-level authorisation: writes that try to set what the
// server owns (tenant, ids, timestamps, roles, scopes, secrets, state) are refused or ignored,
// and reads never expose secrets or hashes.
const checks = new Checks("OWASP API3 Broken object-property-level authorisation");
let a: World;
let otherTenant: string;
const OWNED = (otherTenant: string) => ({
  id: "inc_00000000000000000000000000000001",
  tenant_id: otherTenant,
  tenantId: otherTenant,
  created_at: "2000-01-01T00:00:00.000Z",
  createdAt: 946684800000,
  created_by: "user:usr_attacker",
});

beforeAll(async () => {
  a = await world("api3");
  otherTenant = await createTenant(`owasp-api3-other-${crypto.randomUUID().slice(0, 8)}`);
});

afterAll(() => console.log(checks.summary()));

/** A write carrying server-owned fields: refused (400) or accepted with them ignored (2xx). */
async function writeWithExtras(method: string, path: string, body: object, headers: Headers) {
  const res = await send(method, path, body, headers);
  const text = await res.text();
  expect([200, 201, 202, 400], `${method} ${path}: ${text.slice(0, 300)}`).toContain(res.status);
  return { status: res.status, body: res.status < 300 ? JSON.parse(text) : null };
}

describe("API3 writes cannot set server-owned properties", () => {
  it("incidents: a create or PUT naming id, tenant, number, timestamps, occurrences or timeline changes none of them", async () => {
    const extras = {
      ...OWNED(otherTenant),
      incident_id: "INC-1999-999",
      status: "RESOLVED",
      occurrences: 99,
      resolved_at: "2000-01-02T00:00:00.000Z",
      timeline: [{ event: "forged", agent: "user:nobody" }],
      analysis: { root_cause: "forged" },
    };
    const created = await writeWithExtras(
      "POST",
      "/api/v1/incidents",
      { type: "custom_alert", severity: "LOW", ...extras },
      a.writeKey,
    );
    const id =
      created.body?.data.incident.id ??
      (await ok(await postJson("/api/v1/incidents", { type: "x", severity: "LOW" }, a.writeKey), 201)).data.incident.id;
    const read = async () => (await ok(await call(`/api/v1/incidents/${id}`, { headers: a.readKey }))).data.incident;
    const before = await read();
    expect(before.id).not.toBe(extras.id);
    expect(before).toMatchObject({ status: "OPEN", occurrences: 1, analysis: null, resolved_at: null });
    expect(before.incident_id).not.toBe("INC-1999-999");
    expect(Date.parse(before.created_at)).toBeGreaterThan(Date.now() - 60_000);
    expect(before.timeline.map((t: { event: string }) => t.event)).toEqual(["Incident created"]);
    checks.hit("API3 writes", 5);

    const put = await writeWithExtras("PUT", `/api/v1/incidents/${id}`, { ...extras, status: "INVESTIGATING" }, a.writeKey);
    const after = await read();
    if (put.status === 200) expect(after.status).toBe("INVESTIGATING");
    for (const field of ["id", "incident_id", "created_at", "occurrences", "resolved_at", "analysis"])
      expect(after[field], field).toEqual(before[field]);
    // Still the tenant's own: readable here, 404 in the tenant the body named.
    expect((await call(`/api/v1/incidents/${id}`, { headers: a.readKey })).status).toBe(200);
    const theirs = { "X-API-Key": (await createApiKey(otherTenant, { name: "other", scopes: ["read"] })).key };
    expect((await call(`/api/v1/incidents/${id}`, { headers: theirs })).status).toBe(404);
    checks.hit("API3 writes", 2);
  });

  it("rules: a PUT naming id, tenant, source or timestamps keeps them", async () => {
    const rule = (await ok(await postJson("/api/v1/rules", SEED_RULE, a.writeKey), 201)).data.rule;
    await writeWithExtras(
      "PUT",
      `/api/v1/rules/${rule.id}`,
      { ...SEED_RULE, ...OWNED(otherTenant), source: "sigma", name: "renamed" },
      a.writeKey,
    );
    const after = (await ok(await call(`/api/v1/rules/${rule.id}`, { headers: a.readKey }))).data.rule;
    expect(after).toMatchObject({ id: rule.id, created_at: rule.created_at, source: rule.source });
    checks.hit("API3 writes");
  });

  it("webhooks (both families): PATCH cannot set the secret, id, health or timestamps; the old secret still signs", async () => {
    for (const [base, headers] of [
      ["/v3/webhooks", a.quantum],
      ["/api/v1/webhooks", a.writeKey],
    ] as const) {
      const inbox = await receiverInbox();
      const res = await postJson(base, { url: inbox.url, events: ["fragmentation.expired"] }, headers);
      const created = await ok(res, 201);
      const hook = created.data ?? created;
      const forged = {
        ...OWNED(otherTenant),
        secret: "attacker-chosen-secret-0123456789abcdef",
        health: { consecutive_failures: 0, disabled_at: null },
        previous_secret_valid_until: "2100-01-01T00:00:00.000Z",
        description: "changed",
      };
      const patched = await writeWithExtras("PATCH", `${base}/${hook.id}`, forged, headers);
      expect(keysOf(patched.body)).not.toContain(".secret");
      expect(JSON.stringify(patched.body ?? {})).not.toContain(forged.secret);
      const got = await ok(await call(`${base}/${hook.id}`, { headers }));
      const view = got.data ?? got;
      expect(view).toMatchObject({ id: hook.id, created_at: hook.created_at, previous_secret_valid_until: null });
      await ok(await call(`${base}/${hook.id}/test`, { method: "POST", headers }), 202);
      let received: { headers: Record<string, string>; body: string }[] = [];
      await eventually(async () => (received = await inbox.requests()).length > 0);
      const signature = received[0]!.headers["x-webhook-signature"]!.replace("sha256=", "");
      expect(signature).toBe(await hmacHex(hook.secret, received[0]!.body));
      checks.hit("API3 writes", 3);
    }
  });

  it("API keys: extra fields cannot choose the tenant, id, key value, hash or a foreign machine", async () => {
    const body = {
      name: "extras",
      scopes: ["read"],
      ...OWNED(otherTenant),
      key: "vgl_chosen",
      key_hash: "0".repeat(64),
      role: "admin",
    };
    const created = await writeWithExtras("POST", "/api/v1/auth/api-keys", body, a.admin.headers);
    expect(created.status).toBe(201);
    const key = created.body.data;
    expect(key.id).not.toBe(body.id);
    expect(key.key).not.toBe("vgl_chosen");
    expect(keysOf(created.body)).not.toContain(".data.key_hash");
    const me = (await ok(await call("/auth/me", { headers: { "X-API-Key": key.key } }))).data;
    expect(me).toMatchObject({ tenant_id: a.tenantId, scopes: ["read"], role: null });
    const foreign = `owasp-api3-m-${crypto.randomUUID().slice(0, 6)}`;
    const owner = (
      await ok(
        await postJson(
          `/admin/tenants/${otherTenant}/users`,
          { username: `o-${foreign}@x.test`, password: "correct horse battery", role: "admin" },
          adminHeaders,
        ),
        201,
      )
    ).id;
    await ok(
      await postJson(
        `/admin/tenants/${otherTenant}/machines`,
        { slug: foreign, owner_user_id: owner, visibility: "public" },
        adminHeaders,
      ),
      201,
    );
    // A key may name any slug, but it never reaches a machine of another tenant: its claims are 404.
    const bound = await send(
      "POST",
      "/api/v1/auth/api-keys",
      { name: "m", scopes: ["write"], header: "X-Zeq-SM-Key", machine: foreign },
      a.admin.headers,
    );
    if (bound.status === 201) {
      const zsm = ((await bound.json()) as { data: { key: string } }).data.key;
      const claim = { claim_type: "process_spawn", claim_payload: {}, device_id: "dev_0000000000000000", captured_at_zeqond: 1 };
      const res = await postJson("/api/av/claim", claim, { "X-Zeq-SM-Key": zsm });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: string }).error).toBe("machine_not_found");
    } else expect([400, 404]).toContain(bound.status);
    checks.hit("API3 writes", 4);
  });

  it("admin user creation: the path's tenant, a generated id, a real role; the password is hashed from the password", async () => {
    const username = `extras-${crypto.randomUUID().slice(0, 8)}@owasp.test`;
    const body = {
      username,
      password: "correct horse battery staple",
      role: "viewer",
      ...OWNED(otherTenant),
      password_hash: "x",
    };
    const user = await ok(await postJson(`/admin/tenants/${a.tenantId}/users`, body, adminHeaders), 201);
    expect(user).toMatchObject({ tenant_id: a.tenantId, role: "viewer" });
    expect(user.id).not.toBe(body.id);
    expect(keysOf(user).filter((k) => /password|hash/.test(k))).toEqual([]);
    expect((await postJson("/auth/login", { username, password: body.password })).status).toBe(200);
    for (const role of ["superadmin", "owner", "root"]) {
      const res = await postJson(
        `/admin/tenants/${a.tenantId}/users`,
        { ...body, username: `${role}-${username}`, role },
        adminHeaders,
      );
      expect(res.status).toBe(400);
    }
    checks.hit("API3 writes", 4);
  });

  it("consensus agents: registration cannot set status, reputation or id; GraphQL updateAgent cannot set the key or status", async () => {
    const { publicKey } = await ed25519Keys();
    const body = {
      name: "extras",
      public_key: publicKey,
      endpoint: "https://agents.test/x",
      capabilities: [],
      status: "ACTIVE",
      reputation: 99,
      agent_id: "agt_chosen",
      ...OWNED(otherTenant),
    };
    const agent = (await writeWithExtras("POST", "/v3/consensus/agents", body, a.manage)).body;
    expect(agent).toMatchObject({ status: "OFFLINE", reputation: 1 });
    expect(agent.agent_id).not.toBe("agt_chosen");
    const other = (await ed25519Keys()).publicKey;
    const query = `mutation($id: ID!, $key: String!) { updateAgent(id: $id, input: { publicKey: $key, status: ACTIVE }) { id } }`;
    const res = await postJson(
      "/v3/graphql",
      { query, variables: { id: agent.agent_id, key: other } },
      {
        ...a.manage,
        Accept: "application/graphql-response+json",
      },
    );
    expect(res.status).toBe(400);
    const refusedBody = (await res.json()) as { data?: unknown; errors: unknown[] };
    expect(refusedBody.data).toBeUndefined();
    expect(JSON.stringify(refusedBody.errors)).toMatch(/publicKey|status/);
    const after = await ok(await call(`/v3/consensus/agents/${agent.agent_id}`, { headers: a.manage }));
    expect(after).toMatchObject({ status: "OFFLINE", public_key: publicKey });
    checks.hit("API3 writes", 3);
  });
});

async function hmacHex(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  return Array.from(sig, (b) => b.toString(16).padStart(2, "0")).join("");
}
