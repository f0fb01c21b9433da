import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

describe("D1 migrations", () => {
  it("every migration file applied from zero, once", async () => {
    const applied = await env.DB.prepare("SELECT name FROM d1_migrations ORDER BY id").all<{ name: string }>();
    expect(applied.results.map((r) => r.name)).toEqual(env.TEST_MIGRATIONS.map((m) => m.name));
    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
    const again = await env.DB.prepare("SELECT count(*) AS n FROM d1_migrations").first<{ n: number }>();
    expect(again?.n).toBe(env.TEST_MIGRATIONS.length);
  });

  it("creates the foundation tables", async () => {
    const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all<{
      name: string;
    }>();
    expect(tables.results.map((t) => t.name)).toEqual(expect.arrayContaining(["audit_log", "dead_letters", "tenants", "users"]));
  });

  it("enforces tenant foreign keys", async () => {
    await expect(
      env.DB.prepare(
        "INSERT INTO users (id, tenant_id, username, password_hash, role) VALUES ('usr_x', 'ten_missing', 'u', 'h', 'viewer')",
      ).run(),
    ).rejects.toThrow(/FOREIGN KEY/);
  });
});
