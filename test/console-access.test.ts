import { beforeAll, describe, expect, it } from "vitest";
import { adminHeaders, call, createTenant, createUser, parseSetCookie, postJson, userHeaders } from "./helpers";

// The operator console uses only public APIs, with one sign-in: the console's session cookie
// (from an authorization code) or a user's access token (from a password) must reach every
// family it shows, each held to the user's role.
let tenantId: string;
let otherTenant: string;

async function consoleCookie(tenant: string, role: string): Promise<Record<string, string>> {
  const user = await createUser(tenant, `${role}-${crypto.randomUUID().slice(0, 8)}@console.test`, role);
  const minted = await postJson(`/admin/tenants/${tenant}/auth-codes`, { role, user_id: user.id }, adminHeaders);
  expect(minted.status).toBe(201);
  const res = await postJson("/api/auth", { code: ((await minted.json()) as { code: string }).code });
  expect(res.status).toBe(200);
  return { Cookie: `qecnet_session=${parseSetCookie(res, "qecnet_session")!.value}` };
}

beforeAll(async () => {
  tenantId = await createTenant("console-access");
  otherTenant = await createTenant("console-access-other");
});

describe("the console's session cookie across families", () => {
  it("reads incidents, identity, canaries and consensus with the cookie alone", async () => {
    const headers = await consoleCookie(tenantId, "responder");
    const me = await call("/auth/me", { headers });
    expect(me.status).toBe(200);
    const body = (await me.json()) as { data: { tenant_id: string; role: string; method: string } };
    expect(body.data).toMatchObject({ tenant_id: tenantId, role: "responder", method: "session_cookie" });
    expect((await call("/api/v1/incidents", { headers })).status).toBe(200);
    expect((await call("/v3/quantum/canary/tokens", { headers })).status).toBe(200);
    expect((await call("/v3/consensus/status", { headers })).status).toBe(200);
  });

  it("writes under the role's ladder: a viewer's cookie is 403 in each family's envelope", async () => {
    const headers = await consoleCookie(tenantId, "viewer");
    const canary = await postJson("/v3/quantum/canary/tokens", { deployment_zone: "edge" }, headers);
    expect(canary.status).toBe(403);
    expect(await canary.json()).toMatchObject({ error: { code: expect.any(String) } });
    const incident = await postJson("/api/v1/incidents", { type: "custom_alert", severity: "LOW" }, headers);
    expect(incident.status).toBe(403);
    expect(await incident.json()).toMatchObject({ success: false });
  });

  it("a cookie never reaches another tenant's objects", async () => {
    const other = await userHeaders(otherTenant, "owner@other.test", "admin");
    const created = await postJson(
      "/api/v1/incidents",
      { type: "custom_alert", severity: "HIGH", description: "Another tenant's incident" },
      other,
    );
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { data: { incident: { incident_id: string } } }).data.incident.incident_id;
    const headers = await consoleCookie(tenantId, "admin");
    expect((await call(`/api/v1/incidents/${id}`, { headers })).status).toBe(404);
  });

  it("a tampered cookie is 401 on the incident and quantum families", async () => {
    const { Cookie } = await consoleCookie(tenantId, "admin");
    const headers = { Cookie: `${Cookie!.slice(0, -3)}AAA` };
    expect((await call("/api/v1/incidents", { headers })).status).toBe(401);
    expect((await call("/v3/consensus/status", { headers })).status).toBe(401);
  });
});

describe("a user's access token on the quantum family", () => {
  it("reads consensus and canaries; an OAuth-audience check still refuses a foreign token", async () => {
    const headers = await userHeaders(tenantId, "analyst@console.test", "analyst");
    expect((await call("/v3/consensus/agents", { headers })).status).toBe(200);
    expect((await call("/v3/quantum/canary/tokens", { headers })).status).toBe(200);
    const forged = { Authorization: `Bearer ${headers.Authorization!.slice(7, -4)}AAAA` };
    expect((await call("/v3/consensus/agents", { headers: forged })).status).toBe(401);
  });
});
