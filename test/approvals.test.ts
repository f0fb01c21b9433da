import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, createApiKey, createTenant, postJson, userHeaders } from "./helpers";

type Approval = { id: string; action: string; nodeId: string; status: string; requestedBy: string; decidedBy: string | null };
type Node = { id: string; state: string; isolatedAt: string | null };

let tenantId: string;
let alice: Record<string, string>;
let bob: Record<string, string>;
let analyst: Record<string, string>;
let writerKey: Record<string, string>;

const node = async (id: string) => (await (await call(`/api/mesh/nodes/${id}`, { headers: alice })).json()) as Node;
const links = async () =>
  (
    (await (await call("/api/mesh/links", { headers: alice })).json()) as {
      links: { sourceId: string; targetId: string; severed: boolean }[];
    }
  ).links;
const request = (body: unknown, headers = alice) => postJson("/api/approvals", body, headers);
const decide = (id: string, verb: "approve" | "reject", headers: Record<string, string>) =>
  call(`/api/approvals/${id}/${verb}`, { method: "POST", headers });

beforeAll(async () => {
  tenantId = await createTenant("approvals-co");
  alice = await userHeaders(tenantId, "alice@approvals.test", "responder");
  bob = await userHeaders(tenantId, "bob@approvals.test", "admin");
  analyst = await userHeaders(tenantId, "ann@approvals.test", "analyst");
  writerKey = { "X-API-Key": (await createApiKey(tenantId, { name: "ops", scopes: ["write"] })).key };
  for (const [id, prot] of [
    ["core", true],
    ["edge-1", false],
    ["edge-2", false],
    ["edge-3", false],
  ] as const)
    expect(
      (await postJson("/api/mesh/nodes", { id, label: id, systemType: "grid", region: "eu", protected: prot }, alice)).status,
    ).toBe(201);
  for (const [a, b] of [
    ["core", "edge-1"],
    ["core", "edge-2"],
    ["core", "edge-3"],
    ["edge-1", "edge-2"],
  ])
    expect((await postJson("/api/mesh/links", { sourceId: a, targetId: b, weight: 1 }, alice)).status).toBe(201);
});

describe("two-person control over protected nodes", () => {
  it("isolates a protected node only when a second user approves, and records who did what", async () => {
    expect((await postJson("/api/isolate-node", { nodeId: "core" }, alice)).status).toBe(403);
    const created = await request({ action: "isolate-node", nodeId: "core", reason: "beaconing to known C2" });
    expect(created.status).toBe(201);
    const pending = (await created.json()) as Approval;
    expect(pending).toMatchObject({ action: "isolate-node", nodeId: "core", status: "pending", decidedBy: null });
    expect(pending.id).toMatch(/^apr_/);
    expect((await request({ action: "isolate-node", nodeId: "core" }, bob)).status).toBe(409);

    const self = await decide(pending.id, "approve", alice);
    expect(self.status).toBe(403);
    expect(((await self.json()) as { error: string }).error).toMatch(/cannot approve their own/);
    expect((await decide(pending.id, "approve", writerKey)).status).toBe(403);
    expect((await decide(pending.id, "approve", analyst)).status).toBe(403);
    expect((await node("core")).state).toBe("NOMINAL");

    const approved = await decide(pending.id, "approve", bob);
    expect(approved.status).toBe(200);
    const body = (await approved.json()) as { approval: Approval; result: { success: boolean; severedConnections: number } };
    expect(body.approval.status).toBe("executed");
    expect(body.approval.decidedBy).toMatch(/^user:usr_/);
    expect(body.result).toMatchObject({ success: true, nodeId: "core", severedConnections: 3 });
    expect((await node("core")).state).toBe("ISOLATED");
    expect((await decide(pending.id, "approve", bob)).status).toBe(409);

    const log = (await (await call("/api/audit", { headers: bob })).json()) as {
      entries: { action: string; details: Record<string, unknown> }[];
    };
    const actions = log.entries.map((e) => e.action);
    expect(actions).toContain("approval-requested");
    const executed = log.entries.find((e) => e.action === "isolate-node")!;
    expect(executed.details).toMatchObject({ approvalId: pending.id, requestedBy: pending.requestedBy });
  });

  it("returns an isolated node to service only after a key rotation and a second approval, restoring exactly its links", async () => {
    // edge-3's only link goes to core, which is isolated: it must stay severed when edge-3 returns.
    expect((await postJson("/api/isolate-node", { nodeId: "edge-1" }, alice)).status).toBe(200);
    const early = await request({ action: "restore-node", nodeId: "edge-1" });
    expect(early.status).toBe(409);
    expect(((await early.json()) as { error: string }).error).toMatch(/rotate the mesh keys first/);
    expect((await request({ action: "restore-node", nodeId: "edge-2" })).status).toBe(409);

    expect((await postJson("/api/rotate-keys", {}, bob)).status).toBe(200);
    const pending = (await (await request({ action: "restore-node", nodeId: "edge-1" })).json()) as Approval;
    const approved = await decide(pending.id, "approve", bob);
    expect(approved.status).toBe(200);
    const { result } = (await approved.json()) as { result: { restoredConnections: number } };
    expect(result.restoredConnections).toBe(1);
    expect(await node("edge-1")).toMatchObject({ state: "NOMINAL", isolatedAt: null });
    const byPair = new Map((await links()).map((l) => [`${l.sourceId}|${l.targetId}`, l.severed]));
    expect(byPair.get("edge-1|edge-2")).toBe(false);
    expect(byPair.get("core|edge-1")).toBe(true);
  });

  it("lets the requester withdraw, lists by status, and keeps tenants apart", async () => {
    const pending = (await (await request({ action: "isolate-node", nodeId: "edge-2" })).json()) as Approval;
    const listed = (await (await call("/api/approvals?status=pending", { headers: bob })).json()) as { approvals: Approval[] };
    expect(listed.approvals.map((a) => a.id)).toContain(pending.id);
    expect(listed.approvals.every((a) => a.status === "pending")).toBe(true);

    const other = await createTenant("approvals-other");
    const stranger = await userHeaders(other, "eve@approvals.test", "admin");
    expect((await call(`/api/approvals/${pending.id}`, { headers: stranger })).status).toBe(404);
    expect((await decide(pending.id, "approve", stranger)).status).toBe(404);

    const withdrawn = await decide(pending.id, "reject", alice);
    expect(withdrawn.status).toBe(200);
    expect(((await withdrawn.json()) as Approval).status).toBe("rejected");
    expect((await decide(pending.id, "approve", bob)).status).toBe(409);
    expect((await node("edge-2")).state).toBe("NOMINAL");
  });

  it("expires stale requests and records a failed execution instead of half-applying it", async () => {
    const pending = (await (await request({ action: "isolate-node", nodeId: "edge-2" })).json()) as Approval;
    await env.DB.prepare("UPDATE command_approvals SET expires_at = 1 WHERE id = ?").bind(pending.id).run();
    const late = await decide(pending.id, "approve", bob);
    expect(late.status).toBe(409);
    expect(((await late.json()) as { error: string }).error).toMatch(/expired/);

    const again = (await (await request({ action: "isolate-node", nodeId: "edge-2" })).json()) as Approval;
    expect((await postJson("/api/isolate-node", { nodeId: "edge-2" }, alice)).status).toBe(200);
    expect((await decide(again.id, "approve", bob)).status).toBe(409);
    const failed = (await (await call(`/api/approvals/${again.id}`, { headers: bob })).json()) as Approval & {
      outcome: { error: { code: string } };
    };
    expect(failed.status).toBe("failed");
    expect(failed.outcome.error.code).toBe("conflict");
  });

  it("rejects bad input with the console's errors", async () => {
    expect((await request({ action: "reboot", nodeId: "edge-2" })).status).toBe(400);
    expect((await request({ action: "isolate-node", nodeId: "missing" })).status).toBe(404);
    expect((await request({ action: "isolate-node", nodeId: "edge-3" }, analyst)).status).toBe(403);
    expect((await call("/api/approvals/apr_nope", { headers: alice })).status).toBe(404);
    expect((await call("/api/approvals/not-an-id", { headers: alice })).status).toBe(400);
    expect((await call("/api/approvals")).status).toBe(401);
  });
});
