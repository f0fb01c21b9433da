import { env } from "cloudflare:workers";
import { and, eq, inArray, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { meshLinks, meshNodes, securityEvents } from "../schema";
import { linkEnds } from "../functions/command/mesh";
import { database } from "../functions/platform/db";

/** SQLite's plan for a drizzle query: one line per table access. */
async function plan(query: { toSQL(): { sql: string; params: unknown[] } }): Promise<string[]> {
  const { sql: text, params } = query.toSQL();
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${text}`)
    .bind(...params)
    .all<{ detail: string }>();
  return results.map((r) => r.detail);
}

describe("hot-path queries use an index, never a scan of the tenant's rows", () => {
  const db = database(env.DB);

  it("finds a node's links by either end through an index", async () => {
    const [bySource, byTarget] = linkEnds("ten_x", "n1").map((end) => db.select().from(meshLinks).where(end));
    expect(await plan(bySource!)).toEqual([
      expect.stringMatching(/USING INDEX sqlite_autoindex_mesh_links_1 \(tenant_id=\? AND source_id=\?\)/),
    ]);
    expect(await plan(byTarget!)).toEqual([
      expect.stringMatching(/USING INDEX mesh_links_target \(tenant_id=\? AND target_id=\?\)/),
    ]);
  });

  it("finds a node by label through an index", async () => {
    const q = db
      .select()
      .from(meshNodes)
      .where(and(eq(meshNodes.tenantId, "ten_x"), eq(meshNodes.label, "substation-7")));
    expect(await plan(q)).toEqual([expect.stringMatching(/USING INDEX mesh_nodes_label \(tenant_id=\? AND label=\?\)/)]);
  });

  it("reads events by id through the primary key, with the tenant still checked", async () => {
    const q = db
      .select()
      .from(securityEvents)
      .where(and(sql`+${securityEvents.tenantId} = ${"ten_x"}`, inArray(securityEvents.id, ["evt_a", "evt_b"])));
    const lines = await plan(q);
    expect(lines.join("\n")).toMatch(/USING INDEX sqlite_autoindex_security_events_1 \(id=\?\)/);
    expect(lines.join("\n")).not.toMatch(/security_events_tenant_time/);
  });
});
