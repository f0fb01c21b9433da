import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { buildApp } from "../functions/app";
import { verifyPassword } from "../functions/platform/passwords";
import { adminHeaders, call, createTenant, postJson } from "./helpers";

interface Problem {
  code: string;
  title: string;
  details?: Record<string, unknown>;
}

describe("admin authentication", () => {
  it("requires a bearer token", async () => {
    const res = await call("/admin/tenants");
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toContain("Bearer");
    expect(((await res.json()) as Problem).code).toBe("missing_credentials");
  });

  it("rejects a wrong token, including a prefix of the right one", async () => {
    for (const token of ["wrong", "test-admin-token", "test-admin-token-0123456789abcdef0"]) {
      const res = await call("/admin/tenants", { headers: { Authorization: `Bearer ${token}` } });
      expect(res.status).toBe(401);
      expect(((await res.json()) as Problem).code).toBe("invalid_credentials");
    }
  });

  it("is disabled (503) when no ADMIN_TOKEN is configured", async () => {
    const res = await buildApp().request(
      "https://vigil.test/admin/tenants",
      { headers: adminHeaders },
      { ...env, ADMIN_TOKEN: "" },
    );
    expect(res.status).toBe(503);
  });
});

describe("tenants", () => {
  it("creates, lists and audits a tenant", async () => {
    const res = await postJson("/admin/tenants", { name: "acme" }, adminHeaders);
    expect(res.status).toBe(201);
    const tenant = (await res.json()) as { id: string; name: string; created_at: string };
    expect(tenant.id).toMatch(/^ten_[0-9a-f]{32}$/);
    expect(tenant.name).toBe("acme");

    const list = (await (await call("/admin/tenants", { headers: adminHeaders })).json()) as { tenants: { id: string }[] };
    expect(list.tenants.map((t) => t.id)).toContain(tenant.id);

    const audit = await env.DB.prepare("SELECT action, target, actor FROM audit_log WHERE tenant_id = ?").bind(tenant.id).all();
    expect(audit.results).toEqual([{ action: "tenant.create", target: tenant.id, actor: "admin-token" }]);
  });

  it("refuses a duplicate name with 409", async () => {
    await createTenant("dupe-co");
    const res = await postJson("/admin/tenants", { name: "dupe-co" }, adminHeaders);
    expect(res.status).toBe(409);
    expect(((await res.json()) as Problem).code).toBe("conflict");
  });

  it("refuses an empty or missing name with 400", async () => {
    for (const body of [{ name: "   " }, {}, { name: 42 }]) {
      const res = await postJson("/admin/tenants", body, adminHeaders);
      expect(res.status).toBe(400);
      expect(((await res.json()) as Problem).title).toContain("'name'");
    }
  });
});

describe("users", () => {
  it("creates a user with a PBKDF2 hash, never the password", async () => {
    const tenantId = await createTenant("users-co");
    const password = "correct horse battery staple";
    const res = await postJson(
      `/admin/tenants/${tenantId}/users`,
      { username: "ana@users.co", password, role: "analyst" },
      adminHeaders,
    );
    expect(res.status).toBe(201);
    const user = (await res.json()) as { id: string; role: string; tenant_id: string };
    expect(user.id).toMatch(/^usr_[0-9a-f]{32}$/);
    expect(user).toMatchObject({ role: "analyst", tenant_id: tenantId });

    const row = await env.DB.prepare("SELECT password_hash FROM users WHERE id = ?")
      .bind(user.id)
      .first<{ password_hash: string }>();
    expect(row?.password_hash).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect(row?.password_hash).not.toContain(password);
    expect(await verifyPassword(password, row!.password_hash)).toBe(true);
    expect(await verifyPassword("correct horse battery stapler", row!.password_hash)).toBe(false);
  });

  it("refuses a username that exists in any tenant, case-insensitively (login names no tenant)", async () => {
    const a = await createTenant("dup-users-a");
    const b = await createTenant("dup-users-b");
    const body = { username: "Sam@Example.com", password: "a-long-enough-password", role: "viewer" };
    const created = await postJson(`/admin/tenants/${a}/users`, body, adminHeaders);
    expect(created.status).toBe(201);
    expect(((await created.json()) as { username: string }).username).toBe("sam@example.com");
    expect((await postJson(`/admin/tenants/${a}/users`, body, adminHeaders)).status).toBe(409);
    expect((await postJson(`/admin/tenants/${b}/users`, { ...body, username: "sam@example.com" }, adminHeaders)).status).toBe(
      409,
    );
  });

  it("404s an unknown tenant and 400s a malformed tenant id", async () => {
    const body = { username: "sam", password: "a-long-enough-password", role: "viewer" };
    const unknown = await postJson(`/admin/tenants/ten_${"0".repeat(32)}/users`, body, adminHeaders);
    expect(unknown.status).toBe(404);
    const malformed = await postJson("/admin/tenants/not-an-id/users", body, adminHeaders);
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as Problem).title).toContain("'tenantId'");
  });

  it("validates role and password length", async () => {
    const tenantId = await createTenant("validate-co");
    const badRole = await postJson(
      `/admin/tenants/${tenantId}/users`,
      { username: "x", password: "a-long-enough-password", role: "root" },
      adminHeaders,
    );
    expect(badRole.status).toBe(400);
    expect(((await badRole.json()) as Problem).title).toContain("'role'");
    const short = await postJson(
      `/admin/tenants/${tenantId}/users`,
      { username: "x", password: "short", role: "viewer" },
      adminHeaders,
    );
    expect(short.status).toBe(400);
    expect(((await short.json()) as Problem).title).toContain("'password'");
  });
});
