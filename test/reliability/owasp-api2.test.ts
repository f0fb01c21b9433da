import { env } from "cloudflare:workers";
import { base64url, decodeJwt, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownerCookie } from "../av-helpers";
import { adminHeaders, call, createApiKey, ourSigningKey, postJson } from "../helpers";
import { Checks, consoleCookie, ok, refused, send, signIn, world, type Headers, type World } from "./owasp-helpers";

// OWASP API2:2023 Broken authentication: forged and misdirected tokens, expired and revoked
// credentials, tampered cookies and refresh-token reuse are all 401 in the family's envelope.
const checks = new Checks("OWASP API2 Broken authentication");
let w: World;
let real: string;

beforeAll(async () => {
  w = await world("api2");
  real = w.viewer.headers.Authorization!.slice("Bearer ".length);
});

afterAll(() => console.log(checks.summary()));

/** One protected read per family that takes a user's access token, plus the agent-claims cookie route. */
const TARGETS = ["/auth/me", "/api/v1/incidents", "/api/events", "/v3/consensus/status"];

async function unauthorised(headers: Headers, targets = TARGETS, group = "API2 tokens") {
  for (const path of targets) {
    const text = await refused(await call(path, { headers }), [401], path);
    const body = JSON.parse(text);
    if (path.startsWith("/api/v1") || path.startsWith("/auth") || path.startsWith("/v3"))
      expect(body.error.code, path).toBe("UNAUTHORIZED");
    expect(res401Leak(text), path).toBe(false);
    checks.hit(group);
  }
}

/** A 401 says nothing about why a signature failed beyond a short message: no key material, no stack. */
const res401Leak = (text: string) => /BEGIN|stack|at \w+ \(|\.ts:\d+/.test(text);

/** The viewer's real token with one thing changed, signed with `key` (a fresh foreign key by default). */
async function forged(
  mutate: (claims: Record<string, unknown>, header: Record<string, unknown>) => void,
  key?: CryptoKey | Uint8Array,
) {
  const claims = decodeJwt(real) as Record<string, unknown>;
  const header = JSON.parse(new TextDecoder().decode(base64url.decode(real.split(".")[0]!))) as Record<string, unknown>;
  mutate(claims, header);
  if (header.alg === "none") return `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(claims))}.`;
  const signer = key ?? (await generateKeyPair("EdDSA", { crv: "Ed25519" })).privateKey;
  return new SignJWT(claims).setProtectedHeader(header as never).sign(signer);
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe("API2 Broken authentication: forged JWTs (RFC 8725)", () => {
  const ours = () => ourSigningKey(env.AUTH_SECRET);
  const cases: [string, () => Promise<string>][] = [
    ["alg none", () => forged((_, h) => void (h.alg = "none"))],
    [
      "alg none, signature kept",
      async () => `${(await forged((_, h) => void (h.alg = "none"))).slice(0, -1)}${real.split(".")[2]}`,
    ],
    [
      "HS256 keyed with our published public key",
      async () => {
        const { keys } = (await (await call("/.well-known/jwks.json")).json()) as { keys: { x: string }[] };
        return forged((_, h) => void (h.alg = "HS256"), base64url.decode(keys[0]!.x));
      },
    ],
    ["a foreign Ed25519 key under our kid", () => forged(() => undefined)],
    ["a foreign key claiming another tenant", () => forged((c) => void ((c.tid = "ten_" + "0".repeat(32)), (c.role = "admin")))],
    ["our key under a foreign kid", async () => forged((_, h) => void (h.kid = "attacker"), await ours())],
    ["our key, the wrong issuer", async () => forged((c) => void (c.iss = "someone-else"), await ours())],
    ["our key, the wrong typ", async () => forged((_, h) => void (h.typ = "JWT"), await ours())],
    [
      "our key, expired an hour ago",
      async () => {
        const now = Math.floor(Date.now() / 1000);
        return forged((c) => void ((c.iat = now - 7200), (c.exp = now - 3600)), await ours());
      },
    ],
    ["our key, no exp", async () => forged((c) => void delete c.exp, await ours())],
    [
      "our key, not valid before next year",
      async () => forged((c) => void (c.nbf = Math.floor(Date.now() / 1000) + 3e7), await ours()),
    ],
    ["the signature stripped", async () => `${real.split(".").slice(0, 2).join(".")}.`],
    [
      "the payload swapped under the real signature",
      async () => {
        const [header, , signature] = real.split(".");
        const claims = { ...(decodeJwt(real) as object), role: "admin" };
        return [header, base64url.encode(JSON.stringify(claims)), signature].join(".");
      },
    ],
  ];

  it.each(cases)("refuses %s on every family's routes", async (_, make) => unauthorised(bearer(await make())));

  it("accepts the same construction when nothing is wrong (the forgery is sound, so the refusals mean something)", async () => {
    const token = await forged(() => undefined, await ours());
    for (const path of TARGETS) expect((await call(path, { headers: bearer(token) })).status, path).toBe(200);
    checks.hit("API2 tokens");
  });
});

describe("API2 Broken authentication: a credential on a family that does not take it", () => {
  it("a quantum OAuth token is refused on incident-response, command-console and agent-claims routes", async () => {
    await unauthorised(w.quantum, ["/auth/me", "/api/v1/incidents", "/api/events", "/api/mesh/nodes"], "API2 audiences");
    await refused(await call("/api/av/devices?slug=x", { headers: w.quantum }), [401], "/api/av/devices");
    checks.hit("API2 audiences");
  });

  it("API keys only where their header belongs; the canary decoy and the admin token nowhere else", async () => {
    const zsm = (await createApiKey(w.tenantId, { name: "agent", scopes: ["write"], header: "X-Zeq-SM-Key" })).key;
    const vgl = w.readKey["X-API-Key"]!;
    await unauthorised({ "X-API-Key": zsm }, ["/auth/me", "/api/v1/incidents", "/api/events"], "API2 audiences");
    await unauthorised(bearer(zsm), ["/auth/me", "/api/v1/incidents"], "API2 audiences");
    await unauthorised(bearer(vgl), ["/v3/consensus/status"], "API2 audiences");
    const claim = { claim_type: "process_spawn", claim_payload: {}, device_id: "dev_0", captured_at_zeqond: 1 };
    await refused(await postJson("/api/av/claim", claim, { "X-Zeq-SM-Key": vgl }), [401], "/api/av/claim");
    await refused(await postJson("/api/av/claim", claim, w.admin.headers), [401], "/api/av/claim");
    const token = await ok(await postJson("/v3/quantum/canary/tokens", { deployment_zone: "edge" }, w.quantum), 201);
    await unauthorised({ "X-API-Key": token.decoy_credential }, ["/auth/me", "/api/v1/incidents"], "API2 audiences");
    await unauthorised(adminHeaders, ["/auth/me", "/api/v1/incidents", "/v3/consensus/status"], "API2 audiences");
    checks.hit("API2 audiences", 2);
  });

  it("the admin API takes only ADMIN_TOKEN: near misses and tenants' credentials are 401 problem+json", async () => {
    const token = adminHeaders.Authorization.slice(7);
    const variants = [`${token}x`, token.slice(0, -1), token.toUpperCase(), `${token} ${token}`, ""].map((v) => `Bearer ${v}`);
    variants.push(`Basic ${btoa(`admin:${token}`)}`, token, w.admin.headers.Authorization!, `Bearer ${w.writeKey["X-API-Key"]}`);
    for (const Authorization of variants) {
      await refused(await call("/admin/tenants", { headers: { Authorization } }), [401], "/admin/tenants");
      checks.hit("API2 admin token");
    }
    await refused(await call("/admin/tenants", { headers: { "X-Admin-Token": token } }), [401], "/admin/tenants");
    checks.hit("API2 admin token");
  });
});

describe("API2 Broken authentication: cookies and sessions", () => {
  it("a tampered, truncated or cross-kind session cookie is 401", async () => {
    const { Cookie } = await consoleCookie(w.tenantId, "admin");
    const value = Cookie!.slice("qecnet_session=".length);
    const owner = (await ownerCookie(w.admin.user)).Cookie!.slice("zeq_auth_token=".length);
    const [id, epoch, mac] = value.split(".") as [string, string, string];
    const routes = ["/api/events", "/api/v1/incidents", "/v3/consensus/status"];
    for (const bad of [`${id}.${epoch}.${mac.slice(0, -2)}AA`, `${id}.${epoch}`, `${id}.${Number(epoch) + 1}.${mac}`, owner])
      await unauthorised({ Cookie: `qecnet_session=${bad}` }, routes, "API2 cookies");
    for (const bad of [`${owner.slice(0, -2)}AA`, value]) {
      await refused(
        await call("/api/av/devices?slug=x", { headers: { Cookie: `zeq_auth_token=${bad}` } }),
        [401],
        "/api/av/devices",
      );
      checks.hit("API2 cookies");
    }
  });

  it("a signed-out or expired session cookie is 401 at once", async () => {
    const signedOut = await consoleCookie(w.tenantId, "responder");
    expect((await call("/api/auth", { method: "DELETE", headers: signedOut })).status).toBeLessThan(300);
    await unauthorised(signedOut, ["/api/events", "/api/v1/incidents", "/v3/consensus/status"], "API2 cookies");
    const expired = await consoleCookie(w.tenantId, "responder");
    const sid = expired.Cookie!.split("=")[1]!.split(".")[0]!;
    await env.DB.prepare("UPDATE sessions SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1000, sid)
      .run();
    await unauthorised(expired, ["/api/events", "/api/v1/incidents"], "API2 cookies");
    const owner = await ownerCookie(w.admin.user);
    await call("/api/av/auth/logout", { method: "POST", headers: owner });
    await refused(await call("/api/av/devices?slug=x", { headers: owner }), [401], "/api/av/devices");
    checks.hit("API2 cookies");
  });
});

describe("API2 Broken authentication: revocation", () => {
  it("refresh-token reuse revokes the whole family, on the incident and quantum routes alike", async () => {
    const first = await signIn(w.tenantId, "analyst", "reuse");
    const rotated = await ok(await postJson("/auth/refresh", { refresh_token: first.refresh }));
    await refused(await postJson("/auth/refresh", { refresh_token: first.refresh }), [401], "/auth/refresh");
    await refused(await postJson("/auth/refresh", { refresh_token: rotated.data.refresh_token }), [401], "/auth/refresh");
    await unauthorised(bearer(rotated.data.access_token), TARGETS, "API2 revocation");
    await unauthorised(first.headers, TARGETS, "API2 revocation");
    checks.hit("API2 revocation", 2);
  });

  it("logout ends the access and refresh tokens; a disabled user's tokens end too", async () => {
    const session = await signIn(w.tenantId, "analyst", "logout");
    await ok(await call("/auth/logout", { method: "POST", headers: session.headers }));
    await unauthorised(session.headers, TARGETS, "API2 revocation");
    await refused(await postJson("/auth/refresh", { refresh_token: session.refresh }), [401], "/auth/refresh");
    const victim = await signIn(w.tenantId, "viewer", "disabled");
    const disable = { action: "disable_user", parameters: { username: victim.user.username } };
    await ok(await postJson("/api/v1/remediation/execute", disable, w.responder.headers), 201);
    await unauthorised(victim.headers, TARGETS, "API2 revocation");
    checks.hit("API2 revocation");
  });

  it("a revoked API key is 401 from its next request", async () => {
    const key = await createApiKey(w.tenantId, { name: "soon-revoked", scopes: ["read"] });
    expect((await call("/auth/me", { headers: { "X-API-Key": key.key } })).status).toBe(200);
    await ok(await send("DELETE", `/api/v1/auth/api-keys/${key.id}`, undefined, w.admin.headers));
    await unauthorised({ "X-API-Key": key.key }, ["/auth/me", "/api/v1/incidents", "/api/events"], "API2 revocation");
  });

  // Was a gap (fixed in functions/platform/auth): a revoked OAuth client's access tokens kept
  // working until they expired, up to an hour; only users' token families were checked.
  it("a revoked OAuth client's access token is 401 from its next request", async () => {
    const created = await ok(
      await postJson(`/admin/tenants/${w.tenantId}/oauth-clients`, { tier: "standard", scopes: ["quantum:read"] }, adminHeaders),
      201,
    );
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: created.client_id,
      client_secret: created.client_secret,
    });
    const res = await call("/v3/oauth/token", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: form,
    });
    const headers = bearer((await ok(res)).access_token);
    expect((await call("/v3/consensus/status", { headers })).status).toBe(200);
    await send("DELETE", `/admin/tenants/${w.tenantId}/oauth-clients/${created.client_id}`, undefined, adminHeaders);
    await unauthorised(headers, ["/v3/consensus/status", "/v3/webhooks"], "API2 revocation");
  });
});
