import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { buildApp } from "../../functions/app";
import { adminHeaders, BASE, call, parseSetCookie, postJson } from "../helpers";
import { Checks, consoleCookie, envelopeOf, ok, world, type Headers, type World } from "./owasp-helpers";

// OWASP API8:2023 Security misconfiguration: no CORS for credentialed cross-origin reads, the
// promised security headers on every answer (successes, errors, sign-ins), cookies with their
// attributes, errors without internals, and plain HTTP refused outside development.
const checks = new Checks("OWASP API8 Security misconfiguration");
let w: World;
let cookie: Headers;
const EVIL = "https://evil.example";

beforeAll(async () => {
  w = await world("api8");
  cookie = await consoleCookie(w.tenantId, "admin");
});

afterAll(() => console.log(checks.summary()));
afterEach(() => vi.restoreAllMocks());

/** A spread of answers: every family, successes and errors, sign-ins and token grants. */
async function sampleResponses(): Promise<[string, Response][]> {
  const form = { "Content-Type": "application/x-www-form-urlencoded" };
  return [
    ["/healthz", await call("/healthz")],
    ["/api/v1/incidents", await call("/api/v1/incidents", { headers: w.readKey })],
    ["/api/v1/incidents (401)", await call("/api/v1/incidents")],
    ["/api/events", await call("/api/events", { headers: cookie })],
    ["/api/nothing (404)", await call("/api/nothing")],
    ["/api/av/devices (401)", await call("/api/av/devices?slug=x")],
    ["/v3/consensus/status", await call("/v3/consensus/status", { headers: w.quantum })],
    ["/v3/webhooks (400)", await postJson("/v3/webhooks", "{", w.quantum)],
    ["/admin/tenants", await call("/admin/tenants", { headers: adminHeaders })],
    ["/admin/tenants (401)", await call("/admin/tenants")],
    ["/auth/login", await postJson("/auth/login", { username: w.viewer.user.username, password: w.viewer.user.password })],
    ["/auth/refresh (401)", await postJson("/auth/refresh", { refresh_token: "vrt_x" })],
    [
      "/v3/oauth/token (401)",
      await call("/v3/oauth/token", { method: "POST", headers: form, body: "grant_type=client_credentials" }),
    ],
    [
      "/api/av/auth/login",
      await postJson("/api/av/auth/login", { username: w.admin.user.username, password: w.admin.user.password }),
    ],
    ["/.well-known/jwks.json", await call("/.well-known/jwks.json")],
    ["/docs", await call("/docs")],
  ];
}

describe("API8 CORS", () => {
  it("no answer allows another origin to read with credentials: no Access-Control-Allow-Origin at all", async () => {
    const requests: [string, RequestInit][] = [
      ["/api/v1/incidents", { headers: { ...w.readKey, Origin: EVIL } }],
      ["/api/events", { headers: { ...cookie, Origin: EVIL } }],
      [
        "/v3/graphql",
        {
          method: "POST",
          headers: { ...w.quantum, Origin: EVIL, "Content-Type": "application/json" },
          body: '{"query":"{__typename}"}',
        },
      ],
      ["/auth/login", { method: "POST", headers: { Origin: EVIL, "Content-Type": "application/json" }, body: "{}" }],
    ];
    for (const path of ["/api/v1/incidents", "/v3/graphql", "/auth/me", "/api/auth"])
      requests.push([
        path,
        {
          method: "OPTIONS",
          headers: { Origin: EVIL, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization" },
        },
      ]);
    for (const [path, init] of requests) {
      const res = await call(path, init);
      const allowOrigin = res.headers.get("Access-Control-Allow-Origin");
      expect(allowOrigin, `${init.method ?? "GET"} ${path}`).toBeNull();
      expect(res.headers.get("Access-Control-Allow-Credentials")).toBeNull();
      if (init.method === "OPTIONS") expect(res.status, path).toBeGreaterThanOrEqual(400);
      checks.hit("API8 CORS");
    }
  });
});

describe("API8 security headers", () => {
  it("every answer carries HSTS, nosniff, DENY framing, no-referrer, same-origin CORP and (by default) no-store", async () => {
    for (const [label, res] of await sampleResponses()) {
      const h = (name: string) => res.headers.get(name);
      expect(h("Strict-Transport-Security"), label).toBe("max-age=63072000; includeSubDomains");
      expect(h("X-Content-Type-Options"), label).toBe("nosniff");
      expect(h("X-Frame-Options"), label).toBe("DENY");
      expect(h("Referrer-Policy"), label).toBe("no-referrer");
      expect(h("Cross-Origin-Resource-Policy"), label).toBe("same-origin");
      expect(h("X-Powered-By"), label).toBeNull();
      expect(h("X-Request-Id"), label).toMatch(/^req_/);
      if (!label.startsWith("/docs") && !label.startsWith("/.well-known")) expect(h("Cache-Control"), label).toBe("no-store");
      checks.hit("API8 headers", 8);
    }
  });

  it("session cookies are HttpOnly, Secure, SameSite=Strict, Path=/ and expire in a day", async () => {
    const code = await ok(
      await postJson(`/admin/tenants/${w.tenantId}/auth-codes`, { role: "viewer", user_id: w.viewer.user.id }, adminHeaders),
      201,
    );
    const sessions: [Response, string][] = [
      [await postJson("/api/auth", { code: code.code }), "qecnet_session"],
      [
        await postJson("/api/av/auth/login", { username: w.viewer.user.username, password: w.viewer.user.password }),
        "zeq_auth_token",
      ],
    ];
    for (const [res, name] of sessions) {
      expect(res.headers.get("Cache-Control")).toBe("no-store");
      const set = parseSetCookie(res, name)!;
      expect(set.attributes).toEqual(
        expect.arrayContaining(["httponly", "secure", "samesite=strict", "path=/", "max-age=86400"]),
      );
      expect(set.attributes.some((a) => a.startsWith("domain="))).toBe(false);
      checks.hit("API8 cookies", 2);
    }
  });
});

describe("API8 errors without internals", () => {
  const LEAK =
    /\bat\s+\S+\s+\(|\.ts:\d+|\.js:\d+|\/work\/|node_modules|functions\/|\bstack\b|TypeError|ReferenceError|SQLITE_[A-Z]+|D1_ERROR/;

  it("4xx answers across the families name the problem, not the implementation", async () => {
    const json = { "Content-Type": "application/json" };
    const answers: [string, Response][] = [
      [
        "/api/v1/incidents",
        await call("/api/v1/incidents", { method: "POST", headers: { ...json, ...w.writeKey }, body: '{"type":' }),
      ],
      [
        "/api/v1/incidents",
        await call("/api/v1/incidents", { method: "POST", headers: { ...w.writeKey, "Content-Type": "text/xml" }, body: "<x/>" }),
      ],
      ["/api/v1/incidents", await postJson("/api/v1/incidents", { type: 42, severity: ["x"] }, w.writeKey)],
      ["/api/v1/incidents/{id}", await call("/api/v1/incidents/inc_%27%20OR%201%3D1--", { headers: w.readKey })],
      [
        "/api/v1/rules",
        await postJson(
          "/api/v1/rules",
          { name: "x", type: "detection", severity: "LOW", conditions: { query: "SELECT * FROM sqlite_master" } },
          w.writeKey,
        ),
      ],
      ["/v3/webhooks/{id}", await call("/v3/webhooks/whk_%00%ff", { headers: w.quantum })],
      [
        "/v3/graphql",
        await postJson("/v3/graphql", { query: "{ nope" }, { ...w.quantum, Accept: "application/graphql-response+json" }),
      ],
      ["/api/mesh/nodes/{id}", await call("/api/mesh/nodes/..%2F..%2Fetc%2Fpasswd", { headers: w.readKey })],
      ["/api/av/claim", await postJson("/api/av/claim", "[", { "X-Zeq-SM-Key": "zsm_x" })],
      [
        "/admin/tenants/{id}",
        await call("/admin/tenants/ten_x", { method: "PATCH", headers: { ...json, ...adminHeaders }, body: "{}" }),
      ],
      ["/auth/me", await call("/auth/me", { headers: { Authorization: "Bearer a.b.c" } })],
    ];
    for (const [path, res] of answers) {
      const text = await res.text();
      expect(res.status, `${path}: ${text}`).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(text, path).not.toMatch(LEAK);
      // GraphQL answers in GraphQL's own error format (graphql-over-HTTP), the rest in their family's envelope.
      if (path === "/v3/graphql") expect(JSON.parse(text).errors.length).toBeGreaterThan(0);
      else expect(envelopeOf(path.replace("{id}", "x"), res, text), path).toBeNull();
      checks.hit("API8 errors", 2);
    }
  });

  it("an unexpected failure is a generic 500 in each family's envelope, its stack only in the log", async () => {
    const errors: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void errors.push(String(line)));
    const app = buildApp();
    const probes = ["/api/v1/__boom", "/auth/__boom", "/v3/__boom", "/api/__boom", "/api/av/__boom", "/admin/__boom", "/__boom"];
    for (const path of probes)
      app.get(path, () => {
        throw new TypeError("cannot read 'secret' of undefined at /work/main/functions/x.ts:42 (vgl_deadbeef)");
      });
    for (const path of probes) {
      const headers = path.startsWith("/admin") ? adminHeaders : {};
      const res = await app.request(`${BASE}${path}`, { headers }, env, createExecutionContext());
      const text = await res.text();
      expect(res.status, path).toBe(500);
      expect(text, path).not.toMatch(LEAK);
      expect(text, path).not.toContain("vgl_deadbeef");
      expect(envelopeOf(path, res, text), path).toBeNull();
      expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
      checks.hit("API8 errors", 3);
    }
    expect(errors.filter((l) => l.includes("unhandled error") && l.includes("stack"))).toHaveLength(probes.length);
    checks.hit("API8 errors");
  });
});

describe("API8 transport", () => {
  it("plain HTTP is 403 https_required in each family's envelope outside loopback development", async () => {
    for (const path of [
      "/api/v1/incidents",
      "/auth/login",
      "/api/events",
      "/api/av/devices",
      "/v3/health",
      "/admin/tenants",
      "/healthz",
    ]) {
      const res = await exports.default.fetch(new Request(`http://vigil.example${path}`));
      const text = await res.text();
      expect(res.status, path).toBe(403);
      // The command console's envelope is `{error}` alone; the others carry the code.
      expect(text, path).toMatch(
        path.startsWith("/api/") && !path.startsWith("/api/v1") && !path.startsWith("/api/av")
          ? /HTTPS is required/
          : /https_required/i,
      );
      expect(envelopeOf(path, res, text), path).toBeNull();
      const proxied = await call(path, { headers: { "X-Forwarded-Proto": "http" } });
      expect(proxied.status, path).toBe(403);
      checks.hit("API8 transport", 2);
    }
    const production = { ...env, ENVIRONMENT: "production" };
    for (const host of ["localhost:8787", "127.0.0.1:8787", "[::1]:8787"]) {
      const res = await buildApp().request(`http://${host}/healthz`, {}, production, createExecutionContext());
      expect(res.status, host).toBe(403);
      checks.hit("API8 transport");
    }
  });
});
