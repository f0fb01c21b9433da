import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { shortestPath } from "../functions/command/routing";
import { call, createApiKey, createTenant, postJson } from "./helpers";

describe("shortest paths (hand-checked graph)", () => {
  //   A --1-- B --1-- C --1-- D,  A --5-- C,  B --4-- D
  const edges = [
    { a: "A", b: "B", weight: 1 },
    { a: "B", b: "C", weight: 1 },
    { a: "C", b: "D", weight: 1 },
    { a: "A", b: "C", weight: 5 },
    { a: "B", b: "D", weight: 4 },
  ];
  it("finds the cheapest path, not the fewest hops", () => {
    expect(shortestPath(edges, "A", "D", new Set())).toEqual({ path: ["A", "B", "C", "D"], cost: 3 });
  });
  it("routes around blocked nodes", () => {
    expect(shortestPath(edges, "A", "D", new Set(["C"]))).toEqual({ path: ["A", "B", "D"], cost: 5 });
  });
  it("reports no route when the graph is cut", () => {
    expect(shortestPath(edges, "A", "D", new Set(["B", "C"]))).toBeNull();
  });
});

let tenantId: string;
let writer: Record<string, string>;
let reader: Record<string, string>;
beforeAll(async () => {
  tenantId = await createTenant("mesh-co");
  writer = { "X-API-Key": (await createApiKey(tenantId, { name: "ops", scopes: ["write"] })).key };
  reader = { "X-API-Key": (await createApiKey(tenantId, { name: "viewer", scopes: ["read"] })).key };
  for (const id of ["A", "B", "C", "D"]) {
    const res = await postJson(
      "/api/mesh/nodes",
      { id, label: `node ${id}`, systemType: "grid", region: "eu-north", protected: false },
      writer,
    );
    expect(res.status).toBe(201);
  }
  for (const [a, b, weight] of [
    ["A", "B", 1],
    ["B", "C", 1],
    ["C", "D", 1],
    ["A", "C", 5],
    ["B", "D", 4],
  ] as const)
    expect((await postJson("/api/mesh/links", { sourceId: a, targetId: b, weight }, writer)).status).toBe(201);
});

describe("POST /api/reroute and /api/isolate-node", () => {
  it("reroutes along the true shortest path, isolates with the real severed count, then routes around it", async () => {
    const first = await postJson("/api/reroute", { sourceId: "A", targetId: "D" }, writer);
    expect(first.status).toBe(200);
    const body = (await first.json()) as { success: boolean; newRoute: string[]; reroutedAt: string };
    expect(body).toMatchObject({ success: true, sourceId: "A", targetId: "D", newRoute: ["A", "B", "C", "D"] });
    expect(new Date(body.reroutedAt).toISOString()).toBe(body.reroutedAt);

    const isolated = await postJson("/api/isolate-node", { nodeId: "C" }, writer);
    expect(isolated.status).toBe(200);
    expect(await isolated.json()).toMatchObject({ success: true, nodeId: "C", severedConnections: 3 });
    const node = (await (await call("/api/mesh/nodes/C", { headers: reader })).json()) as { state: string };
    expect(node.state).toBe("ISOLATED");

    const around = (await (await postJson("/api/reroute", { sourceId: "A", targetId: "D" }, writer)).json()) as {
      newRoute: string[];
    };
    expect(around.newRoute).toEqual(["A", "B", "D"]);
    const stored = await env.DB.prepare(
      "SELECT path FROM mesh_routes WHERE tenant_id = ? AND source_id = 'A' AND target_id = 'D'",
    )
      .bind(tenantId)
      .first<{ path: string }>();
    expect(JSON.parse(stored!.path)).toEqual(["A", "B", "D"]);

    const again = await postJson("/api/isolate-node", { nodeId: "C" }, writer);
    expect(again.status).toBe(409);
    expect(Object.keys((await again.json()) as object)).toEqual(["error"]);

    const commands = await env.DB.prepare("SELECT details FROM security_events WHERE tenant_id = ? AND type = 'command.executed'")
      .bind(tenantId)
      .all<{ details: string }>();
    expect(commands.results.map((r) => JSON.parse(r.details).command)).toEqual(["reroute", "isolate-node", "reroute"]);
  });

  it("fails cleanly: no route (409), unknown node (404), isolated endpoint (409)", async () => {
    expect((await postJson("/api/isolate-node", { nodeId: "B" }, writer)).status).toBe(200);
    const cut = await postJson("/api/reroute", { sourceId: "A", targetId: "D" }, writer);
    expect(cut.status).toBe(409);
    expect(((await cut.json()) as { error: string }).error).toMatch(/No route from 'A' to 'D'/);
    expect((await postJson("/api/reroute", { sourceId: "A", targetId: "Z" }, writer)).status).toBe(404);
    expect((await postJson("/api/reroute", { sourceId: "C", targetId: "A" }, writer)).status).toBe(409);
    expect((await postJson("/api/isolate-node", { nodeId: "nope" }, writer)).status).toBe(404);
  });

  it("enforces policy: read keys 403, protected nodes need a second approver, other tenants' nodes 404", async () => {
    expect((await postJson("/api/isolate-node", { nodeId: "A" }, reader)).status).toBe(403);
    expect(
      (
        await postJson(
          "/api/mesh/nodes",
          { id: "P", label: "crown jewel", systemType: "defense", region: "eu", protected: true },
          writer,
        )
      ).status,
    ).toBe(201);
    const protectedNode = await postJson("/api/isolate-node", { nodeId: "P" }, writer);
    expect(protectedNode.status).toBe(403);
    expect(((await protectedNode.json()) as { error: string }).error).toMatch(/second user approve it/);

    const other = await createTenant("mesh-other");
    const theirs = { "X-API-Key": (await createApiKey(other, { name: "ops", scopes: ["write"] })).key };
    expect((await call("/api/mesh/nodes/A", { headers: theirs })).status).toBe(404);
    expect((await postJson("/api/isolate-node", { nodeId: "A" }, theirs)).status).toBe(404);
  });

  it("validates links and bodies", async () => {
    expect((await postJson("/api/mesh/links", { sourceId: "A", targetId: "A", weight: 1 }, writer)).status).toBe(400);
    expect((await postJson("/api/mesh/links", { sourceId: "A", targetId: "Q", weight: 1 }, writer)).status).toBe(404);
    expect((await postJson("/api/mesh/links", { sourceId: "B", targetId: "A", weight: 2 }, writer)).status).toBe(409);
    expect((await postJson("/api/mesh/links", { sourceId: "A", targetId: "D", weight: -1 }, writer)).status).toBe(400);
    expect((await postJson("/api/isolate-node", {}, writer)).status).toBe(400);
    expect((await postJson("/api/mesh/nodes", { id: "A", label: "dup", systemType: "grid", region: "eu" }, writer)).status).toBe(
      409,
    );
  });
});

describe("the hash-chained command log", () => {
  it("records every executed command, verifies, and names the first tampered entry", async () => {
    const { runInDurableObject } = await import("cloudflare:test");
    const t = await createTenant("audit-chain");
    const ops = { "X-API-Key": (await createApiKey(t, { name: "ops", scopes: ["write"] })).key };
    for (const id of ["X", "Y", "Z"])
      await postJson("/api/mesh/nodes", { id, label: id, systemType: "comms", region: "eu" }, ops);
    await postJson("/api/mesh/links", { sourceId: "X", targetId: "Y", weight: 1 }, ops);
    await postJson("/api/mesh/links", { sourceId: "Y", targetId: "Z", weight: 1 }, ops);
    expect((await postJson("/api/reroute", { sourceId: "X", targetId: "Z" }, ops)).status).toBe(200);
    expect((await postJson("/api/isolate-node", { nodeId: "Y" }, ops)).status).toBe(200);
    expect((await postJson("/api/isolate-node", { nodeId: "Y" }, ops)).status).toBe(409);

    const log = (await (await call("/api/audit", { headers: ops })).json()) as {
      entries: { seq: number; action: string; prevHash: string; hash: string }[];
    };
    expect(log.entries.map((e) => [e.seq, e.action])).toEqual([
      [1, "reroute"],
      [2, "isolate-node"],
    ]);
    expect(log.entries[1]?.prevHash).toBe(log.entries[0]?.hash);
    expect(log).toMatchObject({ next_after_seq: null });
    const verify = async () => (await (await call("/api/audit/verify", { headers: ops })).json()) as Record<string, unknown>;
    expect(await verify()).toEqual({ valid: true, length: 2, firstBrokenSeq: null, checked: 2, next_from_seq: null });

    await runInDurableObject(env.TENANT_HUB.getByName(t), (_, state) => {
      state.storage.sql.exec(
        `UPDATE command_audit SET details = '{"sourceId":"X","targetId":"Z","newRoute":["X","Z"]}' WHERE seq = 1`,
      );
    });
    expect(await verify()).toEqual({ valid: false, length: 2, firstBrokenSeq: 1, checked: 2, next_from_seq: null });
  });

  it("pages the log and verifies it in bounded runs, each checked against the entry before it", async () => {
    const { runInDurableObject } = await import("cloudflare:test");
    const t = await createTenant("audit-pages");
    const ops = { "X-API-Key": (await createApiKey(t, { name: "ops", scopes: ["write"] })).key };
    for (const id of ["P", "Q"]) await postJson("/api/mesh/nodes", { id, label: id, systemType: "comms", region: "eu" }, ops);
    await postJson("/api/mesh/links", { sourceId: "P", targetId: "Q", weight: 1 }, ops);
    for (let i = 0; i < 5; i++) expect((await postJson("/api/reroute", { sourceId: "P", targetId: "Q" }, ops)).status).toBe(200);
    const get = async (path: string) => {
      const res = await call(path, { headers: ops });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    const pages: number[][] = [];
    let after: number | null = 0;
    while (after !== null) {
      const { body } = await get(`/api/audit?limit=2&after_seq=${after}`);
      pages.push(body.entries.map((e: { seq: number }) => e.seq));
      after = body.next_after_seq;
    }
    expect(pages).toEqual([[1, 2], [3, 4], [5]]);

    const run = async (from: number) => (await get(`/api/audit/verify?from_seq=${from}&limit=2`)).body;
    expect(await run(1)).toEqual({ valid: true, length: 5, firstBrokenSeq: null, checked: 2, next_from_seq: 3 });
    expect(await run(5)).toEqual({ valid: true, length: 5, firstBrokenSeq: null, checked: 1, next_from_seq: null });
    await runInDurableObject(env.TENANT_HUB.getByName(t), (_, state) => {
      state.storage.sql.exec(`UPDATE command_audit SET actor = 'someone else' WHERE seq = 4`);
    });
    expect(await run(3)).toMatchObject({ valid: false, firstBrokenSeq: 4, next_from_seq: null });
    expect((await get("/api/audit/verify")).body).toMatchObject({ valid: false, firstBrokenSeq: 4, checked: 5 });

    for (const bad of [
      "/api/audit?limit=0",
      "/api/audit?limit=1001",
      "/api/audit?after_seq=-1",
      "/api/audit/verify?limit=10001",
      "/api/audit/verify?from_seq=0",
    ]) {
      const { status, body } = await get(bad);
      expect(status, bad).toBe(400);
      expect(body, bad).toMatchObject({ error: expect.any(String) });
    }
  });
});
