import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../functions/app";
import { adminHeaders, call } from "../helpers";
import { Checks, consoleCookie, envelopeOf, ok, send, world, type Headers, type World } from "./owasp-helpers";

// OWASP API9:2023 Improper inventory management: what is served is what is documented. The
// route table equals the OpenAPI document (method by method); routes outside it are a short,
// named list; undocumented versions, prefixes and methods answer 404 in the family's envelope,
// with credentials or without.
const checks = new Checks("OWASP API9 Improper inventory management");
const METHODS = ["get", "post", "put", "patch", "delete"] as const;
/** Served but not API operations: the documentation itself. */
const DOC_ROUTES = new Set(["/openapi.json", "/docs", "/redoc"]);
/**
 * Served for every method and left out of the document on purpose: GraphQL (its own schema and
 * introspection), Connect/gRPC-Web (the .proto is its contract), and the canary tripwire URL
 * (README: "absent from the OpenAPI document").
 */
const UNDOCUMENTED_ALL = [
  "/*", // the platform's middleware (request id, headers, HTTPS, body limit)
  "/admin/*", // the admin token guard
  "/c/:token",
  "/mwrasp.consensus.v3.ByzantineConsensus/:method",
  "/v3/graphql",
  "/v3/graphql/stream",
  "/v3/mwrasp.consensus.v3.ByzantineConsensus/:method",
];

let doc: { paths: Record<string, Partial<Record<(typeof METHODS)[number], unknown>>> };
let w: World;
let cookie: Headers;

beforeAll(async () => {
  doc = await ok(await call("/openapi.json"));
  w = await world("api9");
  cookie = await consoleCookie(w.tenantId, "admin");
});

afterAll(() => console.log(checks.summary()));

/** The strongest credentials of the family a path belongs to. */
function credentialsFor(path: string): Headers[] {
  if (path.startsWith("/admin")) return [adminHeaders];
  if (path.startsWith("/v3")) return [w.manage, w.admin.headers];
  if (path.startsWith("/api/v1") || path.startsWith("/auth")) return [w.admin.headers, { "X-API-Key": w.writeKey["X-API-Key"]! }];
  if (path.startsWith("/api")) return [cookie, w.admin.headers];
  return [{}];
}

describe("API9 the served inventory is the documented one", () => {
  it("every served method and path is documented, and every documented one is served", () => {
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    const routes = buildApp().routes;
    const served = routes
      .filter((r) => r.method !== "ALL" && !DOC_ROUTES.has(r.path))
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
    expect([...new Set(served)].sort()).toEqual(documented);
    checks.hit("API9 route table", documented.length);
    const everyMethod = [...new Set(routes.filter((r) => r.method === "ALL").map((r) => r.path))].sort();
    expect(everyMethod).toEqual(UNDOCUMENTED_ALL);
    checks.hit("API9 route table");
  });
});

describe("API9 nothing answers outside the inventory", () => {
  const probes = [
    "/api/v2/incidents",
    "/api/v0/incidents",
    "/api/v1/admin",
    "/api/v1/internal/users",
    "/api/v1/debug",
    "/api/v1/users",
    "/api/internal",
    "/api/debug/vars",
    "/api/graphql",
    "/api/av/v2/claim",
    "/api/av/admin",
    "/api/av/machines/all",
    "/v1/webhooks",
    "/v2/webhooks",
    "/v3/admin",
    "/v3/internal/keys",
    "/v3/debug",
    "/v3/graphiql",
    "/v3/oauth/authorize",
    "/v3/oauth/introspect",
    "/v4/health",
    "/auth/admin",
    "/auth/v2/login",
    "/auth/register",
    "/admin/debug",
    "/admin/v2/tenants",
    "/admin/users",
    "/.env",
    "/.git/config",
    "/debug/pprof",
    "/metrics",
    "/server-status",
    "/graphql",
    "/swagger.json",
    "/api-docs",
    "/openapi.yaml",
    "/v3/openapi.json",
  ];

  it.each(probes)("%s is 404 in its family's envelope, with credentials and without", async (path) => {
    for (const headers of [...credentialsFor(path), {}]) {
      for (const method of ["GET", "POST"]) {
        const res = await send(method, path, method === "POST" ? {} : undefined, headers);
        const text = await res.text();
        // /admin/* checks the admin token before routing, so an anonymous caller sees 401 there.
        const expected = path.startsWith("/admin") && !headers.Authorization ? 401 : 404;
        expect(res.status, `${method} ${path}: ${text.slice(0, 200)}`).toBe(expected);
        expect(envelopeOf(path, res, text), path).toBeNull();
        checks.hit("API9 undocumented paths");
      }
    }
  });

  it("a documented path answers only its documented methods: the others are 404 or 405, never served", async () => {
    let probed = 0;
    const patterns = Object.entries(doc.paths).map(
      ([t, ops]) => [new RegExp(`^${t.replace(/\{\w+\}/g, "[^/]+")}$`), ops] as const,
    );
    // Another documented operation may own the concrete path (PATCH /v3/webhooks/event-types is PATCH /v3/webhooks/{webhookId}).
    const servedElsewhere = (method: (typeof METHODS)[number], path: string) =>
      patterns.some(([re, ops]) => ops[method] && re.test(path));
    for (const [template, ops] of Object.entries(doc.paths)) {
      const path = template.replace("{tenantId}", w.tenantId).replace(/\{\w+\}/g, "x");
      for (const method of METHODS) {
        if (ops[method] || servedElsewhere(method, path)) continue;
        const res = await send(
          method.toUpperCase(),
          path,
          method === "get" || method === "delete" ? undefined : {},
          credentialsFor(path)[0]!,
        );
        const text = await res.text();
        expect([404, 405], `${method.toUpperCase()} ${template}: ${res.status} ${text.slice(0, 160)}`).toContain(res.status);
        expect(envelopeOf(path, res, text), `${method} ${template}`).toBeNull();
        probed++;
      }
    }
    expect(probed).toBeGreaterThan(200);
    checks.hit("API9 undocumented methods", probed);
  });
});
