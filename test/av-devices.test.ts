import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { firstBrokenLink } from "../functions/platform/audit-chain";
import { adminHeaders, call, createTenant, createUser, parseSetCookie, postJson } from "./helpers";

let tenantId: string;
let owner: { id: string; username: string; password: string };
let ownerCookie: Record<string, string>;
let strangerCookie: Record<string, string>;

async function signIn(user: { username: string; password: string }, path = "/api/av/login") {
  const res = await postJson(path, { username: user.username, password: user.password });
  expect(res.status).toBe(200);
  return { Cookie: `zeq_auth_token=${parseSetCookie(res, "zeq_auth_token")!.value}` };
}

const register = (tenant: string, body: Record<string, unknown>) =>
  postJson(`/admin/tenants/${tenant}/machines`, body, adminHeaders);

beforeAll(async () => {
  tenantId = await createTenant("av-devices");
  owner = await createUser(tenantId, "olga@av.test", "analyst");
  const stranger = await createUser(tenantId, "sam@av.test", "analyst");
  ownerCookie = await signIn(owner);
  strangerCookie = await signIn(stranger, "/api/av/auth/login");
});

describe("POST /admin/tenants/{tenantId}/machines", () => {
  it("registers a machine with a generated slug in the seed's style, or the one given", async () => {
    const generated = await register(tenantId, { owner_user_id: owner.id, visibility: "private" });
    expect(generated.status).toBe(201);
    expect(((await generated.json()) as { slug: string }).slug).toMatch(/^zeq\d{11}$/);
    expect((await register(tenantId, { slug: "prod-api-04", owner_user_id: owner.id, visibility: "public" })).status).toBe(201);
    expect((await register(tenantId, { slug: "prod-api-04", owner_user_id: owner.id, visibility: "public" })).status).toBe(409);
  });
  it("refuses owners from another tenant, bad slugs and missing fields", async () => {
    const other = await createTenant("av-other");
    expect((await register(other, { owner_user_id: owner.id, visibility: "public" })).status).toBe(404);
    expect((await register(tenantId, { slug: "Bad Slug", owner_user_id: owner.id })).status).toBe(400);
    expect((await register(tenantId, { visibility: "public" })).status).toBe(400);
    expect((await postJson(`/admin/tenants/${tenantId}/machines`, { owner_user_id: owner.id })).status).toBe(401);
  });
});

describe("/api/av/devices", () => {
  const slug = "zeq07792026349";
  beforeAll(async () => {
    expect((await register(tenantId, { slug, owner_user_id: owner.id, visibility: "private" })).status).toBe(201);
  });

  it("installs and lists devices exactly as the seed shows, for the owner", async () => {
    const created = await postJson("/api/av/devices", { slug, name: "laptop-zeq-01", os: "linux" }, ownerCookie);
    expect(created.status).toBe(201);
    const body = (await created.json()) as { ok: boolean; device_id: string; transition_id: string };
    expect(body.ok).toBe(true);
    expect(body.device_id).toMatch(/^dev_[0-9a-f]{16}$/);
    expect(body.transition_id).toMatch(/^[0-9a-f-]{36}$/);

    const listed = await call(`/api/av/devices?slug=${slug}`, { headers: ownerCookie });
    expect(listed.status).toBe(200);
    const list = (await listed.json()) as { ok: boolean; slug: string; devices: Record<string, unknown>[] };
    expect(list).toMatchObject({ ok: true, slug });
    expect(list.devices).toEqual([
      {
        device_id: body.device_id,
        name: "laptop-zeq-01",
        os: "linux",
        installed_zeqond: expect.stringMatching(/^\d{10}$/),
        transition_id: body.transition_id,
        quarantined: false,
      },
    ]);
    // The installation is the first link of the machine's hash chain.
    const chain = await env.MACHINE_STATE.getByName(slug).transitions();
    expect(chain.map((e) => e.action)).toEqual(["device.installed"]);
    expect(await firstBrokenLink(chain)).toBeNull();
  });

  it("answers the seed's errors: 401 without the cookie, 403 for another user, 404 machine_not_found, 400 bad body", async () => {
    const anonymous = await call(`/api/av/devices?slug=${slug}`);
    expect(anonymous.status).toBe(401);
    const stranger = await call(`/api/av/devices?slug=${slug}`, { headers: strangerCookie });
    expect(stranger.status).toBe(403);
    const unknown = await call("/api/av/devices?slug=no-such-machine", { headers: ownerCookie });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toBe("machine_not_found");
    expect((await postJson("/api/av/devices", { slug, os: "linux" }, ownerCookie)).status).toBe(400);
    expect((await postJson("/api/av/devices", { slug, name: "x", os: "linux" }, strangerCookie)).status).toBe(403);
  });
});

describe("GET /api/av/audit/verify", () => {
  it("reports a sound chain to the owner and, for a public machine, to anyone; names the first tampered transition", async () => {
    const { runInDurableObject } = await import("cloudflare:test");
    const slug = "audit-public-01";
    expect((await register(tenantId, { slug, owner_user_id: owner.id, visibility: "public" })).status).toBe(201);
    for (const name of ["a", "b", "c"]) await postJson("/api/av/devices", { slug, name, os: "linux" }, ownerCookie);
    const sound = await call(`/api/av/audit/verify?slug=${slug}`);
    expect(await sound.json()).toEqual({ ok: true, slug, valid: true, length: 3, first_broken_seq: null });

    await runInDurableObject(env.MACHINE_STATE.getByName(slug), (_, state) => {
      state.storage.sql.exec(
        'UPDATE transitions SET details = replace(details, \'"name":"b"\', \'"name":"evil"\') WHERE seq = 2',
      );
    });
    const tampered = (await (await call(`/api/av/audit/verify?slug=${slug}`, { headers: strangerCookie })).json()) as {
      valid: boolean;
      first_broken_seq: number;
    };
    expect(tampered).toMatchObject({ valid: false, first_broken_seq: 2 });
  });

  it("keeps a private machine's chain to its owner: 403 for others, 404 for unknown slugs", async () => {
    const slug = "audit-private-01";
    expect((await register(tenantId, { slug, owner_user_id: owner.id, visibility: "private" })).status).toBe(201);
    expect((await call(`/api/av/audit/verify?slug=${slug}`)).status).toBe(403);
    expect((await call(`/api/av/audit/verify?slug=${slug}`, { headers: strangerCookie })).status).toBe(403);
    expect((await call(`/api/av/audit/verify?slug=${slug}`, { headers: ownerCookie })).status).toBe(200);
    expect((await call("/api/av/audit/verify?slug=nobody-here")).status).toBe(404);
  });
});
