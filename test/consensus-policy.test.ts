import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolationValue } from "../functions/command/consensus-authority";
import { clusterOf, type TestAgent } from "./consensus-agents";
import { call, createApiKey, createTenant, postJson, quantumHeaders } from "./helpers";

/**
 * The command console's policy hook: a protected node is isolated on the authority of a quorum
 * certificate for exactly that command, instead of a second user's approval.
 */
let tenantId: string;
let manage: Record<string, string>;
let commander: Record<string, string>;
let agents: TestAgent[];

async function certify(value: string): Promise<number> {
  const res = await postJson(
    "/v3/consensus/propose",
    { value: btoa(value), timeout_ms: 5000, priority: 1, metadata: {} },
    manage,
  );
  const out = (await res.json()) as { consensus_achieved: boolean; sequence_number: number };
  expect(out.consensus_achieved).toBe(true);
  return out.sequence_number;
}
const isolate = (body: Record<string, unknown>) => postJson("/api/isolate-node", body, commander);

beforeAll(async () => {
  tenantId = await createTenant("consensus-policy");
  manage = await quantumHeaders(tenantId, ["quantum:read", "quantum:write", "consensus:manage"]);
  commander = { "X-API-Key": (await createApiKey(tenantId, { name: "ops", scopes: ["write"] })).key };
  for (const id of ["VAULT", "GATE"])
    expect(
      (await postJson("/api/mesh/nodes", { id, label: id, systemType: "grid", region: "eu", protected: true }, commander)).status,
    ).toBe(201);
  agents = await clusterOf(manage, ["honest", "honest", "honest", "honest"]);
});
afterAll(() => agents.forEach((a) => a.close()));

describe("isolating a protected node on a consensus certificate", () => {
  it("refuses without a certificate, and with one for another value", async () => {
    expect((await isolate({ nodeId: "VAULT" })).status).toBe(403);
    const other = await certify(isolationValue(tenantId, "GATE"));
    const res = await isolate({ nodeId: "VAULT", consensusSequence: other });
    expect(res.status).toBe(403);
    expect(JSON.stringify(await res.json())).toContain("does not authorise isolating 'VAULT'");
    expect((await isolate({ nodeId: "VAULT", consensusSequence: 999 })).status).toBe(403);
  });

  it("isolates with a certificate for exactly this command, records it as the approval, and spends it", async () => {
    const sequence = await certify(isolationValue(tenantId, "VAULT"));
    const res = await isolate({ nodeId: "VAULT", consensusSequence: sequence });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ success: true, nodeId: "VAULT" });
    const node = (await (await call("/api/mesh/nodes/VAULT", { headers: commander })).json()) as { state: string };
    expect(node.state).toBe("ISOLATED");
    const approvals = (await (await call("/api/approvals", { headers: commander })).json()) as {
      approvals: { nodeId: string; status: string; decidedBy: string }[];
    };
    expect(approvals.approvals).toContainEqual(
      expect.objectContaining({ nodeId: "VAULT", status: "executed", decidedBy: `consensus:${sequence}` }),
    );
    // The same certificate cannot authorise anything twice (GATE's value differs anyway; VAULT's is spent).
    expect((await isolate({ nodeId: "GATE", consensusSequence: sequence })).status).toBe(403);
  });
});
