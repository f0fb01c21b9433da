import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { adminHeaders, call, createTenant, createUser, parseSetCookie, postJson } from "./helpers";

let tenantId: string;
beforeAll(async () => {
  tenantId = await createTenant("sessions-co");
});

async function mintCode(body: Record<string, unknown> = {}) {
  const res = await postJson(`/admin/tenants/${tenantId}/auth-codes`, body, adminHeaders);
  expect(res.status).toBe(201);
  return (await res.json()) as { code: string; expires_at: string };
}

const check = async (cookie: string) =>
  ((await (await call("/api/auth", { headers: { Cookie: `qecnet_session=${cookie}` } })).json()) as { authorized: boolean })
    .authorized;

describe("command console: authorization code exchange", () => {
  it("sets an HttpOnly, Secure, SameSite=Strict, 24 h qecnet_session cookie", async () => {
    const { code, expires_at } = await mintCode();
    expect(Date.parse(expires_at) - Date.now()).toBeGreaterThan(9 * 60_000);
    expect(Date.parse(expires_at) - Date.now()).toBeLessThanOrEqual(10 * 60_000);
    const res = await postJson("/api/auth", { code });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ authorized: true });
    const cookie = parseSetCookie(res, "qecnet_session");
    expect(cookie?.attributes).toEqual(
      expect.arrayContaining(["httponly", "secure", "samesite=strict", "path=/", "max-age=86400"]),
    );
    expect(await check(cookie!.value)).toBe(true);
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM auth_codes WHERE code_hash = ?")
      .bind(code)
      .first<{ n: number }>();
    expect(stored?.n).toBe(0);
  });

  it("a used, unknown or expired code is 401 { authorized: false, error }", async () => {
    const { code } = await mintCode();
    expect((await postJson("/api/auth", { code })).status).toBe(200);
    const expired = await mintCode();
    await env.DB.prepare("UPDATE auth_codes SET expires_at = 0 WHERE used_at IS NULL").run();
    for (const bad of [code, "qac_made-up", expired.code]) {
      const res = await postJson("/api/auth", { code: bad });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ authorized: false, error: "Invalid authorization code" });
    }
  });

  it("tampered, foreign and revoked cookies are not authorized", async () => {
    const res = await postJson("/api/auth", { code: (await mintCode()).code });
    const value = parseSetCookie(res, "qecnet_session")!.value;
    const [id, epoch, sig] = value.split(".");
    expect(await check(`${id}.${epoch}.${sig!.slice(0, -2)}AA`)).toBe(false);
    expect(await check(`ses_${"0".repeat(32)}.${epoch}.${sig}`)).toBe(false);
    expect(await check(`${id}.${Number(epoch) - 5}.${sig}`)).toBe(false);
    expect(await check("garbage")).toBe(false);

    // An owner cookie is signed for another purpose and must not pass as a console session.
    const owner = await createUser(tenantId, "owner@sessions.co", "viewer");
    const ownerLogin = await postJson("/api/av/auth/login", { username: owner.username, password: owner.password });
    expect(await check(parseSetCookie(ownerLogin, "zeq_auth_token")!.value)).toBe(false);

    const out = await call("/api/auth", { method: "DELETE", headers: { Cookie: `qecnet_session=${value}` } });
    expect(out.status).toBe(200);
    expect(parseSetCookie(out, "qecnet_session")?.attributes).toEqual(expect.arrayContaining(["max-age=0"]));
    expect(await check(value)).toBe(false);
  });

  it("an expired session is not authorized", async () => {
    const res = await postJson("/api/auth", { code: (await mintCode()).code });
    const value = parseSetCookie(res, "qecnet_session")!.value;
    await env.DB.prepare("UPDATE sessions SET expires_at = 1 WHERE id = ?").bind(value.split(".")[0]).run();
    expect(await check(value)).toBe(false);
  });

  it("minting a code for an unknown tenant is 404", async () => {
    const res = await postJson(`/admin/tenants/ten_${"f".repeat(32)}/auth-codes`, {}, adminHeaders);
    expect(res.status).toBe(404);
  });
});

describe("agent claims: machine-owner login", () => {
  it("sets zeq_auth_token, and bad passwords get the seed's 401 body", async () => {
    const owner = await createUser(tenantId, "machine-owner@sessions.co", "responder");
    const ok = await postJson("/api/av/auth/login", { username: owner.username, password: owner.password });
    expect(ok.status).toBe(200);
    expect(parseSetCookie(ok, "zeq_auth_token")?.attributes).toEqual(
      expect.arrayContaining(["httponly", "secure", "samesite=strict"]),
    );
    const bad = await postJson("/api/av/auth/login", { username: owner.username, password: "not the password" });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ ok: false, error: "unauthorized", message: "Invalid username or password" });
  });
});
