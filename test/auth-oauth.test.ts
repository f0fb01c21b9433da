import { env, exports } from "cloudflare:workers";
import { createLocalJWKSet, jwtVerify } from "jose";
import * as oauth from "oauth4webapi";
import { beforeAll, describe, expect, it } from "vitest";
import { adminHeaders, BASE, call, createTenant, postJson, randomIp } from "./helpers";

const as: oauth.AuthorizationServer = { issuer: BASE, token_endpoint: `${BASE}/v3/oauth/token` };
const viaWorker = { [oauth.customFetch]: (url: string, init?: RequestInit) => call(url, init ?? {}) };
const FINGERPRINT = "ab".repeat(32);

let tenantId: string;
let client: { client_id: string; client_secret: string };
beforeAll(async () => {
  tenantId = await createTenant("quantum-oauth");
  const res = await postJson(
    `/admin/tenants/${tenantId}/oauth-clients`,
    {
      tier: "premium",
      scopes: ["quantum:read", "quantum:write", "consensus:manage"],
      cert_fingerprint: FINGERPRINT.match(/../g)!.join(":").toUpperCase(),
    },
    adminHeaders,
  );
  expect(res.status).toBe(201);
  client = (await res.json()) as typeof client;
});

const form = (fields: Record<string, string>, headers: Record<string, string> = {}, cf?: object) =>
  exports.default.fetch(
    new Request(`${BASE}/v3/oauth/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "CF-Connecting-IP": randomIp(), ...headers },
      body: new URLSearchParams(fields),
      ...(cf ? { cf } : {}),
    } as RequestInit),
  );

async function verify(token: string) {
  const set = createLocalJWKSet((await (await call("/.well-known/jwks.json")).json()) as { keys: [] });
  return (await jwtVerify(token, set, { issuer: "vigil", audience: "vigil:quantum", typ: "at+jwt" })).payload;
}

describe("POST /v3/oauth/token (client credentials)", () => {
  it("works with oauth4webapi and HTTP Basic, granting a requested subset of scopes", async () => {
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      { client_id: client.client_id },
      oauth.ClientSecretBasic(client.client_secret),
      new URLSearchParams({ scope: "quantum:read" }),
      viaWorker,
    );
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    const result = await oauth.processClientCredentialsResponse(as, { client_id: client.client_id }, response);
    expect(result.token_type).toBe("bearer");
    expect(result.expires_in).toBe(3600);
    expect(result.scope).toBe("quantum:read");
    const claims = await verify(result.access_token);
    expect(claims).toMatchObject({
      sub: client.client_id,
      tid: tenantId,
      scope: "quantum:read",
      tier: "premium",
      pk: "oauth_client",
    });
  });

  it("accepts body credentials, and grants every client scope when none is asked", async () => {
    const res = await form({
      grant_type: "client_credentials",
      client_id: client.client_id,
      client_secret: client.client_secret,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { scope: string; token_type: string };
    expect(body.token_type).toBe("Bearer");
    expect(body.scope.split(" ").sort()).toEqual(["consensus:manage", "quantum:read", "quantum:write"]);
  });

  it("answers RFC 6749 errors", async () => {
    const basic = { Authorization: `Basic ${btoa(`${client.client_id}:${client.client_secret}`)}` };
    const cases: [Record<string, string>, Record<string, string>, number, string][] = [
      [{}, basic, 400, "invalid_request"],
      [{ grant_type: "password" }, basic, 400, "unsupported_grant_type"],
      [{ grant_type: "client_credentials", scope: "quantum:read admin:everything" }, basic, 400, "invalid_scope"],
      [
        { grant_type: "client_credentials" },
        { Authorization: `Basic ${btoa(`${client.client_id}:wrong`)}` },
        401,
        "invalid_client",
      ],
      [{ grant_type: "client_credentials", client_id: "cli_nope", client_secret: "x" }, {}, 401, "invalid_client"],
      [{ grant_type: "client_credentials" }, {}, 401, "invalid_client"],
    ];
    for (const [fields, headers, status, error] of cases) {
      const res = await form(fields, headers);
      expect(res.status, error).toBe(status);
      expect(res.headers.get("Cache-Control")).toBe("no-store");
      expect(((await res.json()) as { error: string }).error).toBe(error);
    }
    const basicFail = await form(
      { grant_type: "client_credentials" },
      { Authorization: `Basic ${btoa(`${client.client_id}:wrong`)}` },
    );
    expect(basicFail.headers.get("WWW-Authenticate")).toContain("Basic");
  });

  it("refuses a JSON body with 415 in the quantum envelope", async () => {
    const res = await postJson("/v3/oauth/token", { grant_type: "client_credentials" });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  it("a revoked client can no longer get tokens", async () => {
    const created = (await (
      await postJson(`/admin/tenants/${tenantId}/oauth-clients`, { tier: "free", scopes: ["quantum:read"] }, adminHeaders)
    ).json()) as typeof client;
    const del = await call(`/admin/tenants/${tenantId}/oauth-clients/${created.client_id}`, {
      method: "DELETE",
      headers: adminHeaders,
    });
    expect(del.status).toBe(204);
    const res = await form({
      grant_type: "client_credentials",
      client_id: created.client_id,
      client_secret: created.client_secret,
    });
    expect(res.status).toBe(401);
  });

  it("stores the secret hashed and encrypted, never in plaintext", async () => {
    const row = await env.DB.prepare("SELECT * FROM oauth_clients WHERE id = ?")
      .bind(client.client_id)
      .first<Record<string, string>>();
    expect(JSON.stringify(row)).not.toContain(client.client_secret);
    expect(row?.secret_hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("mTLS client authentication", () => {
  const tls = (overrides: Record<string, string>) => ({
    tlsClientAuth: {
      certPresented: "1",
      certVerified: "SUCCESS",
      certRevoked: "0",
      certFingerprintSHA256: FINGERPRINT,
      ...overrides,
    },
  });

  it("a verified, unrevoked certificate authenticates the client it is registered to", async () => {
    const res = await form({ grant_type: "client_credentials" }, {}, tls({}));
    expect(res.status).toBe(200);
    expect((await verify(((await res.json()) as { access_token: string }).access_token)).sub).toBe(client.client_id);
  });

  it("anything else authenticates nothing", async () => {
    const cases: Record<string, string>[] = [
      { certVerified: "FAILED:self signed certificate" },
      { certRevoked: "1" },
      { certPresented: "0" },
      { certFingerprintSHA256: "cd".repeat(32) },
    ];
    for (const bad of cases) {
      const res = await form({ grant_type: "client_credentials" }, {}, tls(bad));
      expect(res.status, JSON.stringify(bad)).toBe(401);
    }
    const mismatch = await form({ grant_type: "client_credentials", client_id: "cli_other" }, {}, tls({}));
    expect(mismatch.status).toBe(401);
  });
});
