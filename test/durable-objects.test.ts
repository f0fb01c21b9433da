import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { applySchema } from "../durable-objects/sql-schema";

describe("TenantHub", () => {
  it("persists each probe before replying", async () => {
    const hub = env.TENANT_HUB.getByName("probe-test");
    const first = await hub.probe();
    const second = await hub.probe();
    const recorded = await runInDurableObject(
      hub,
      (_, state) => state.storage.sql.exec<{ v: number }>("SELECT max(version) AS v FROM _schema").one().v,
    );
    expect(first.schemaVersion).toBe(recorded);
    expect(second.probes).toBe(first.probes + 1);
    const stored = await runInDurableObject(hub, (_, state) =>
      state.storage.sql.exec<{ count: number }>("SELECT count FROM probes WHERE id = 1").one(),
    );
    expect(stored.count).toBe(second.probes);
  });
});

describe("versioned DDL", () => {
  it("applies each step once, in order, and resumes from the recorded version", async () => {
    const hub = env.TENANT_HUB.getByName("schema-test");
    await runInDurableObject(hub, (_, state) => {
      const sql = state.storage.sql;
      const steps = [
        { version: 102, sql: "ALTER TABLE t ADD COLUMN b TEXT" },
        { version: 101, sql: "CREATE TABLE t (a INTEGER)" },
      ];
      expect(applySchema(sql, steps)).toBe(102);
      // A second run must not re-run the ALTER (which would fail on a duplicate column).
      expect(applySchema(sql, steps)).toBe(102);
      const columns = sql
        .exec<{ name: string }>("SELECT name FROM pragma_table_info('t')")
        .toArray()
        .map((r) => r.name);
      expect(columns).toEqual(["a", "b"]);
      const versions = sql.exec<{ version: number }>("SELECT version FROM _schema ORDER BY version").toArray();
      // The object's own steps first (1, 2, …), then the two added here, each recorded once.
      const recorded = versions.map((v) => v.version);
      expect(recorded.slice(-2)).toEqual([101, 102]);
      expect(recorded.slice(0, -2)).toEqual(recorded.slice(0, -2).map((_, i) => i + 1));
    });
  });
});
