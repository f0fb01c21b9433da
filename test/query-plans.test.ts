import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { and, eq, inArray, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { RECENT_CLAIMS_SQL, TRUST_SQL } from "../durable-objects/claim-ledger";
import { meshLinks, meshNodes, securityEvents } from "../schema";
import { linkEnds } from "../functions/command/mesh";
import { database } from "../functions/platform/db";
import { incidentQueries, type ListQuery } from "../functions/incidents/list";

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

describe("incident lists read through an index in the order asked for", () => {
  const db = database(env.DB);
  const base = { sort: "created_at", order: "desc", page: 1, per_page: 20 } as const;
  const planOf = async (q: Partial<ListQuery>) => (await plan(incidentQueries(db, "ten_x", { ...base, ...q }).page)).join("\n");

  it("newest first, by severity and by update time need no sort of the tenant's incidents", async () => {
    expect(await planOf({})).toMatch(/SEARCH incidents USING INDEX incidents_created \(tenant_id=\?\)/);
    expect(await planOf({ sort: "severity" })).toMatch(/USING INDEX incidents_severity \(tenant_id=\?\)/);
    expect(await planOf({ sort: "updated_at", order: "asc" })).toMatch(/USING INDEX incidents_updated \(tenant_id=\?\)/);
    for (const q of [{}, { sort: "severity" }, { sort: "updated_at" }] as const)
      expect(await planOf(q)).not.toMatch(/TEMP B-TREE/);
  });

  it("the total of a list filtered by status, severity or type reads the kept counts, not the incidents", async () => {
    const totalOf = async (q: Partial<ListQuery>) =>
      (await plan(incidentQueries(db, "ten_x", { ...base, ...q }).total)).join("\n");
    for (const q of [{}, { status: ["OPEN" as const] }, { type: "malware" }]) {
      expect(await totalOf(q)).toMatch(
        /SEARCH incident_counts USING (INDEX sqlite_autoindex_incident_counts_1|PRIMARY KEY) \(tenant_id=\?/,
      );
      expect(await totalOf(q)).not.toMatch(/incidents /);
    }
  });

  it("a status or type filter searches its own index", async () => {
    expect(await planOf({ status: ["OPEN"] })).toMatch(/USING INDEX incidents_status \(tenant_id=\? AND status=\?\)/);
    expect(await planOf({ type: "malware" })).toMatch(/USING INDEX incidents_type \(tenant_id=\? AND type=\?\)/);
  });
});

describe("a machine's object reads through its indexes", () => {
  const planIn = (sql: string, ...params: unknown[]) =>
    runInDurableObject(env.MACHINE_STATE.getByName("plan-machine"), (_, state) =>
      state.storage.sql
        .exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, ...params)
        .toArray()
        .map((r) => r.detail),
    );

  it("lists the newest claims of a window without sorting the window", async () => {
    const plan = await planIn(RECENT_CLAIMS_SQL, 0, 1000);
    expect(plan).toEqual([expect.stringMatching(/SEARCH claims USING INDEX claims_recent \(captured_zeqond>\?\)/)]);
  });

  it("counts a peer indicator's publishers through an index", async () => {
    const plan = await planIn(TRUST_SQL, "x");
    expect(plan.join("\n")).toMatch(/USING COVERING INDEX seen_fires_indicator \(indicator=\?\)/);
  });
});
