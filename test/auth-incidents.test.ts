import { env } from "cloudflare:workers";
import { createLocalJWKSet, decodeJwt, jwtVerify, SignJWT, base64url, generateKeyPair } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { adminHeaders, call, createApiKey, createTenant, createUser, ourSigningKey, postJson } from "./helpers";

type Tokens = { access_token: string; refresh_token: string; token_type: string; expires_in: number };
type Envelope<T> = { success: boolean; data: T; error: { code: string; message: string } };

const login = async (username: string, password: string) => postJson("/auth/login", { username, password });
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const me = (headers: Record<string, string>) => call("/auth/me", { headers });

let tenantId: string;
let user: { id: string; username: string; password: string };
beforeAll(async () => {
  tenantId = await createTenant("incidents-auth");
  user = await createUser(tenantId, "ana@incidents.test", "analyst");
});

async function signIn(): Promise<Tokens> {
  const res = await login(user.username, user.password);
  expect(res.status).toBe(200);
  return ((await res.json()) as Envelope<Tokens>).data;
}

describe("POST /auth/login", () => {
  it("issues an EdDSA JWT that jose verifies against our JWKS", async () => {
    const tokens = await signIn();
    expect(tokens.token_type).toBe("bearer");
    expect(tokens.expires_in).toBe(3600);
    const set = createLocalJWKSet((await (await call("/.well-known/jwks.json")).json()) as { keys: [] });
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, set, {
      issuer: "vigil",
      audience: "vigil:incidents",
      typ: "at+jwt",
    });
    expect(protectedHeader.alg).toBe("EdDSA");
    expect(payload).toMatchObject({ sub: user.id, tid: tenantId, role: "analyst" });
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  it("answers 401 in the incident envelope for a wrong password or unknown user", async () => {
    for (const res of [await login(user.username, "wrong password"), await login("nobody@x.test", "whatever")]) {
      expect(res.status).toBe(401);
      const body = (await res.json()) as Envelope<never>;
      expect(body.error.code).toBe("UNAUTHORIZED");
      expect(body.error.message).toBe("Invalid username or password");
    }
  });
});

describe("GET /auth/me", () => {
  it("identifies a JWT caller and an API-key caller (header or bearer)", async () => {
    const tokens = await signIn();
    const viaJwt = (await (await me(bearer(tokens.access_token))).json()) as Envelope<{
      kind: string;
      id: string;
      method: string;
    }>;
    expect(viaJwt.data).toMatchObject({ kind: "user", id: user.id, method: "jwt" });
    const key = await createApiKey(tenantId, { name: "siem", scopes: ["read"] });
    expect(key.key).toMatch(/^vgl_/);
    for (const headers of [{ "X-API-Key": key.key }, bearer(key.key)]) {
      const res = await me(headers);
      expect(res.status).toBe(200);
      expect(((await res.json()) as Envelope<{ id: string; scopes: string[] }>).data).toMatchObject({
        id: key.id,
        scopes: ["read"],
      });
    }
  });

  it("requires credentials", async () => {
    const res = await me({});
    expect(res.status).toBe(401);
    expect(((await res.json()) as Envelope<never>).error.code).toBe("UNAUTHORIZED");
  });
});

describe("refresh rotation (RFC 9700)", () => {
  it("rotates, and reuse of an old refresh token revokes the whole family", async () => {
    const first = await signIn();
    const rotated = await postJson("/auth/refresh", { refresh_token: first.refresh_token });
    expect(rotated.status).toBe(200);
    const second = ((await rotated.json()) as Envelope<Tokens>).data;
    expect(second.refresh_token).not.toBe(first.refresh_token);

    const reuse = await postJson("/auth/refresh", { refresh_token: first.refresh_token });
    expect(reuse.status).toBe(401);
    // The thief's reuse also ends the legitimate holder's chain and access tokens.
    expect((await postJson("/auth/refresh", { refresh_token: second.refresh_token })).status).toBe(401);
    expect((await me(bearer(second.access_token))).status).toBe(401);
  });

  it("rejects unknown refresh tokens", async () => {
    expect((await postJson("/auth/refresh", { refresh_token: "vrt_not-a-real-token" })).status).toBe(401);
  });
});

describe("POST /auth/logout", () => {
  it("revokes the access token and its refresh token", async () => {
    const tokens = await signIn();
    const res = await call("/auth/logout", { method: "POST", headers: bearer(tokens.access_token) });
    expect(res.status).toBe(200);
    expect((await me(bearer(tokens.access_token))).status).toBe(401);
    expect((await postJson("/auth/refresh", { refresh_token: tokens.refresh_token })).status).toBe(401);
  });
});

describe("JWT attacks (RFC 8725)", () => {
  async function forged(
    mutate: (claims: Record<string, unknown>, header: Record<string, unknown>) => void,
    key?: CryptoKey | Uint8Array,
  ) {
    const real = await signIn();
    const claims = decodeJwt(real.access_token) as Record<string, unknown>;
    const header: Record<string, unknown> = JSON.parse(
      new TextDecoder().decode(base64url.decode(real.access_token.split(".")[0]!)),
    );
    mutate(claims, header);
    if (header.alg === "none") return `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(claims))}.`;
    const signer = key ?? (await generateKeyPair("EdDSA", { crv: "Ed25519" })).privateKey;
    return new SignJWT(claims).setProtectedHeader(header as never).sign(signer);
  }

  const rejected = async (token: string) => expect((await me(bearer(token))).status).toBe(401);

  it("rejects alg none", async () => rejected(await forged((_, h) => void (h.alg = "none"))));
  it("rejects a token signed by another Ed25519 key under our kid", async () => rejected(await forged(() => undefined)));
  it("rejects HS256 signed with our public key (algorithm confusion)", async () => {
    const { keys } = (await (await call("/.well-known/jwks.json")).json()) as { keys: { x: string }[] };
    await rejected(await forged((_, h) => void (h.alg = "HS256"), base64url.decode(keys[0]!.x)));
  });
  it("rejects a foreign kid", async () => rejected(await forged((_, h) => void (h.kid = "attacker-key"))));

  // Signed with Vigil's real current key, so only the claim under test is wrong.
  const realKey = () => ourSigningKey(env.AUTH_SECRET);
  it("rejects a wrong audience", async () => rejected(await forged((c) => void (c.aud = "vigil:quantum"), await realKey())));
  it("rejects a wrong issuer", async () => rejected(await forged((c) => void (c.iss = "someone-else"), await realKey())));
  it("rejects a wrong typ", async () => rejected(await forged((_, h) => void (h.typ = "JWT"), await realKey())));
  it("rejects an expired token", async () =>
    rejected(await forged((c) => void ((c.iat = 1_000_000), (c.exp = 1_003_600)), await realKey())));
  it("accepts the same construction when nothing is wrong (the forgery helper is sound)", async () => {
    const token = await forged(() => undefined, await realKey());
    expect((await me(bearer(token))).status).toBe(200);
  });
});

describe("API keys", () => {
  it("admins create keys through the API; read keys get 403; revoked keys get 401", async () => {
    const admin = await createUser(tenantId, "root@incidents.test", "admin");
    const tokens = ((await (await login(admin.username, admin.password)).json()) as Envelope<Tokens>).data;
    const created = await postJson("/api/v1/auth/api-keys", { name: "ci", scopes: ["read"] }, bearer(tokens.access_token));
    expect(created.status).toBe(201);
    const key = ((await created.json()) as Envelope<{ id: string; key: string }>).data;

    const forbidden = await postJson("/api/v1/auth/api-keys", { name: "escalate", scopes: ["admin"] }, { "X-API-Key": key.key });
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as Envelope<never>).error.code).toBe("FORBIDDEN");

    const analyst = await postJson(
      "/api/v1/auth/api-keys",
      { name: "x", scopes: ["read"] },
      bearer((await signIn()).access_token),
    );
    expect(analyst.status).toBe(403);

    const revoke = await call(`/api/v1/auth/api-keys/${key.id}`, { method: "DELETE", headers: bearer(tokens.access_token) });
    expect(revoke.status).toBe(200);
    expect((await me({ "X-API-Key": key.key })).status).toBe(401);
    const row = await env.DB.prepare("SELECT key_hash, revoked_at FROM api_keys WHERE id = ?")
      .bind(key.id)
      .first<{ key_hash: string; revoked_at: number }>();
    expect(row?.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.revoked_at).toBeGreaterThan(0);
  });

  it("another tenant's key is 404, never revealed", async () => {
    const other = await createTenant("incidents-other");
    const theirs = await createApiKey(other, { name: "theirs", scopes: ["read"] });
    const admin = await createUser(tenantId, "root2@incidents.test", "admin");
    const tokens = ((await (await login(admin.username, admin.password)).json()) as Envelope<Tokens>).data;
    const res = await call(`/api/v1/auth/api-keys/${theirs.id}`, { method: "DELETE", headers: bearer(tokens.access_token) });
    expect(res.status).toBe(404);
    expect((await me({ "X-API-Key": theirs.key })).status).toBe(200);
  });

  it("an agent-claims key is not accepted as X-API-Key", async () => {
    const zsm = await createApiKey(tenantId, { name: "agent", scopes: ["write"], header: "X-Zeq-SM-Key" });
    expect(zsm.key).toMatch(/^zsm_/);
    expect((await me({ "X-API-Key": zsm.key })).status).toBe(401);
  });

  it("revoking through the admin API works too", async () => {
    const key = await createApiKey(tenantId, { name: "temp", scopes: ["write"] });
    const res = await call(`/admin/tenants/${tenantId}/api-keys/${key.id}`, { method: "DELETE", headers: adminHeaders });
    expect(res.status).toBe(204);
    expect((await me({ "X-API-Key": key.key })).status).toBe(401);
  });
});

describe("revocation leaves an honest audit trail", () => {
  it("a 404 revoke (foreign, unknown or already revoked) writes no audit row", async () => {
    const other = await createTenant("audit-other");
    const theirs = await createApiKey(other, { name: "theirs", scopes: ["read"] });
    const before = await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'api_key.revoke'").first<{
      n: number;
    }>();
    for (const id of [theirs.id, "key_unknown"]) {
      const res = await call(`/admin/tenants/${tenantId}/api-keys/${id}`, { method: "DELETE", headers: adminHeaders });
      expect(res.status).toBe(404);
    }
    const mine = await createApiKey(tenantId, { name: "mine", scopes: ["read"] });
    expect(
      (await call(`/admin/tenants/${tenantId}/api-keys/${mine.id}`, { method: "DELETE", headers: adminHeaders })).status,
    ).toBe(204);
    expect(
      (await call(`/admin/tenants/${tenantId}/api-keys/${mine.id}`, { method: "DELETE", headers: adminHeaders })).status,
    ).toBe(404);
    const after = await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'api_key.revoke'").first<{
      n: number;
    }>();
    expect(after!.n - before!.n).toBe(1);
  });
});
