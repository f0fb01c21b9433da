import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { adminHeaders, postJson } from "./helpers";

const count = async (sql: string) => (await env.DB.prepare(sql).first<{ n: number }>())!.n;

describe("a change and its audit row commit together", () => {
  afterEach(async () => {
    vi.restoreAllMocks();
    await env.DB.prepare("ALTER TABLE audit_log_moved RENAME TO audit_log")
      .run()
      .catch(() => undefined);
  });

  it("creates no tenant when the audit write fails", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const before = await count("SELECT count(*) AS n FROM tenants");
    await env.DB.prepare("ALTER TABLE audit_log RENAME TO audit_log_moved").run();

    const res = await postJson("/admin/tenants", { name: "half-written" }, adminHeaders);
    expect(res.status).toBe(500);
    expect(await count("SELECT count(*) AS n FROM tenants")).toBe(before);

    await env.DB.prepare("ALTER TABLE audit_log_moved RENAME TO audit_log").run();
    const retry = await postJson("/admin/tenants", { name: "half-written" }, adminHeaders);
    expect(retry.status).toBe(201);
    expect(await count("SELECT count(*) AS n FROM tenants WHERE name = 'half-written'")).toBe(1);
  });
});
