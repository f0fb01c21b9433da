import { beforeAll, describe, expect, it } from "vitest";
import { createMachine } from "./av-helpers";
import { adminHeaders, call, createTenant, createUser, parseSetCookie, postJson, userHeaders } from "./helpers";

// The operator console reads the agent-claims family with its own sign-in: it lists the tenant's
// machines, and its user counts as the owner on the seed's read gate.
let tenantId: string;
let owner: { id: string; username: string; password: string };

async function consoleCookie(tenant: string, userId: string, role = "analyst") {
  const minted = await postJson(`/admin/tenants/${tenant}/auth-codes`, { role, user_id: userId }, adminHeaders);
  const res = await postJson("/api/auth", { code: ((await minted.json()) as { code: string }).code });
  return { Cookie: `qecnet_session=${parseSetCookie(res, "qecnet_session")!.value}` };
}

type MachineList = { ok: true; machines: { slug: string; visibility: string; owned: boolean }[]; truncated: boolean };

beforeAll(async () => {
  tenantId = await createTenant("av-console");
  owner = await createUser(tenantId, "owner@av-console.test", "analyst");
  await createMachine(tenantId, "avc-private", owner.id, "private");
  await createMachine(tenantId, "avc-public", owner.id, "public");
  const other = await createTenant("av-console-other");
  await createMachine(other, "avc-foreign", (await createUser(other, "o@other.test", "admin")).id, "public");
});

describe("GET /api/av/machines", () => {
  it("lists the caller's tenant's machines only, marking the ones the caller owns", async () => {
    const res = await call("/api/av/machines", { headers: await consoleCookie(tenantId, owner.id) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as MachineList;
    expect(body.machines.map((m) => [m.slug, m.visibility, m.owned])).toEqual([
      ["avc-private", "private", true],
      ["avc-public", "public", true],
    ]);
    const colleague = await userHeaders(tenantId, "colleague@av-console.test", "viewer");
    const seen = (await (await call("/api/av/machines", { headers: colleague })).json()) as MachineList;
    expect(seen.machines.map((m) => m.owned)).toEqual([false, false]);
  });

  it("needs a sign-in: 401 in the agent-claims envelope", async () => {
    const res = await call("/api/av/machines");
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ ok: false, error: expect.any(String), message: expect.any(String) });
  });
});

describe("the seed's read gate with the console's sign-in", () => {
  it("the owner's console cookie reads a private machine; a colleague's is refused 403", async () => {
    const mine = await call("/api/av/threats?slug=avc-private", { headers: await consoleCookie(tenantId, owner.id) });
    expect(mine.status).toBe(200);
    const colleague = await createUser(tenantId, "c2@av-console.test", "admin");
    const theirs = await call("/api/av/threats?slug=avc-private", {
      headers: await consoleCookie(tenantId, colleague.id, "admin"),
    });
    expect(theirs.status).toBe(403);
    expect(await theirs.json()).toMatchObject({ ok: false, error: "forbidden" });
  });

  it("a user's access token reads a public machine (it was an unrecognised bearer before)", async () => {
    const headers = await userHeaders(tenantId, "reader@av-console.test", "viewer");
    expect((await call("/api/av/threats?slug=avc-public", { headers })).status).toBe(200);
    expect((await call("/api/av/mesh-feed?slug=avc-public", { headers })).status).toBe(200);
  });
});
