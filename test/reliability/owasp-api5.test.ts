import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminHeaders, call, createApiKey } from "../helpers";
import { envelopeProblem } from "./envelopes";
import { Checks, consoleCookie, ok, refused, send, signIn, world, type Headers, type World } from "./owasp-helpers";
import { prepare, seedObjects, sendPrepared } from "./owasp-api5-requests";

// OWASP API5:2023 Broken function-level authorisation: every state-changing operation the
// OpenAPI document offers to API keys or users' tokens, sent as a valid request on the
// tenant's own objects, by a read-scoped API key and by a viewer: never a 2xx. And the admin
// API with a tenant's strongest credentials: never a 2xx.
const checks = new Checks("OWASP API5 Broken function-level authorisation");
const METHODS = ["post", "put", "patch", "delete"] as const;
/** A user's own sign-out and notification settings are theirs whatever their role (README "Notifications"). */
const SELF_SERVICE = new Set(["POST /auth/logout", "PUT /api/v1/notifications/preferences", "POST /api/v1/notifications/test"]);
/**
 * POSTs that are reads by design (the handlers require the read scope): correlating events the
 * caller can already read, a rule's dry run over sample logs, and reading a fragmented secret back.
 */
const READ_LIKE = new Set(["POST /api/correlate", "POST /api/v1/rules/{rule_id}/test", "POST /v3/fragmentation/reconstruct"]);

/** What a read-only caller may get back, besides 403. */
function allowed(key: string, apiKey: boolean): number[] {
  // Quantum defense takes OAuth tokens and the console's sign-ins, never an API key.
  if (apiKey && key.includes(" /v3/")) return [401];
  if (READ_LIKE.has(key)) return [200];
  if (apiKey && key === "POST /auth/logout") return [400];
  if (!apiKey && SELF_SERVICE.has(key)) return [200, 409];
  return [403];
}

type Op = { security?: Record<string, string[]>[] };
let doc: { paths: Record<string, Partial<Record<(typeof METHODS)[number] | "get", Op>>> };
let w: World;
let ids: Record<string, string>;
const outcomes: Record<string, Record<number, number>> = {};

beforeAll(async () => {
  doc = await ok(await call("/openapi.json"));
  w = await world("api5");
  ids = await seedObjects(w);
});

afterAll(() => {
  const lines = Object.entries(outcomes).map(([who, by]) => `  ${who}: ${JSON.stringify(by)}`);
  console.log(`${checks.summary()}\n  statuses by credential:\n${lines.join("\n")}`);
});

function operations(): [string, string][] {
  const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => {
      const schemes = (item[m]?.security ?? []).flatMap((s) => Object.keys(s));
      return schemes.includes("IncidentsApiKey") || schemes.includes("BearerJWT");
    }).map((m) => [m.toUpperCase(), path] as [string, string]),
  );
  // Signing out ends the caller's own session: last, so the other calls still carry a live token.
  return ops.sort(([, a], [, b]) => Number(a === "/auth/logout") - Number(b === "/auth/logout"));
}

async function sweep(who: string, headers: Headers, apiKey: boolean) {
  const ops = operations();
  expect(ops.length).toBeGreaterThan(50);
  const by: Record<number, number> = (outcomes[who] = {});
  const unexpected: string[] = [];
  for (const [method, template] of ops) {
    const key = `${method} ${template}`;
    const res = await sendPrepared(method, prepare(method, template, ids)!, headers);
    const text = await res.text();
    by[res.status] = (by[res.status] ?? 0) + 1;
    checks.hit(`API5 ${who}`);
    if (res.status < 300 && !READ_LIKE.has(key) && !(SELF_SERVICE.has(key) && !apiKey))
      unexpected.push(`${key} → ${res.status} (2xx!)`);
    else if (!allowed(key, apiKey).includes(res.status)) unexpected.push(`${key} → ${res.status} ${text.slice(0, 160)}`);
    const problem = envelopeProblem(template, res, text);
    if (problem) unexpected.push(`${key}: ${problem}`);
  }
  expect(unexpected).toEqual([]);
  expect(by[403]).toBeGreaterThanOrEqual(30);
}

describe("API5 state-changing operations with read-only credentials", () => {
  it("a read-scoped API key gets 403 on every one (401 where its family takes no API keys), in the family's envelope", async () => {
    await sweep("read-scoped API key", w.readKey, true);
  });

  it("a viewer's access token gets 403 on every one but their own sign-out and notification settings", async () => {
    await sweep("viewer JWT", w.viewer.headers, false);
  });

  it("the tenant's objects are as they were: nothing the sweeps sent took effect", async () => {
    const incident = (await ok(await call(`/api/v1/incidents/${ids.incident_id}`, { headers: w.admin.headers }))).data.incident;
    expect(incident.status).toBe("OPEN");
    const rule = (await ok(await call(`/api/v1/rules/${ids.rule_id}`, { headers: w.admin.headers }))).data.rule;
    expect(rule.enabled).toBe(true);
    const node = await ok(await call("/api/mesh/nodes/n2", { headers: w.admin.headers }));
    expect(node.state).toBe("NOMINAL");
    const approval = await ok(await call(`/api/approvals/${ids.approvalId}`, { headers: w.admin.headers }));
    expect(approval.status).toBe("pending");
    const pending = (await ok(await call(`/api/v1/remediation/${ids.pending_action}`, { headers: w.admin.headers }))).data.action;
    expect(pending.status).toBe("pending_approval");
    const login = await send("POST", "/auth/login", { username: ids.username, password: w.viewer.user.password });
    expect(login.status).toBe(200);
    checks.hit("API5 effects", 6);
  });
});

describe("API5 role ladder", () => {
  it("an analyst cannot run remediation, manage keys, set passwords or relays; a responder cannot administer", async () => {
    const analyst = await signIn(w.tenantId, "analyst");
    const responder = w.responder.headers;
    const cases: [string, string, Headers][] = [
      ["POST", "/api/v1/remediation/execute", analyst.headers],
      ["POST", "/api/v1/auth/api-keys", analyst.headers],
      ["POST", "/api/v1/auth/api-keys", responder],
      ["DELETE", "/api/v1/auth/api-keys/{keyId}", responder],
      ["POST", "/api/v1/users/{username}/password", responder],
      ["PUT", "/api/v1/notifications/providers", responder],
      ["POST", "/api/rotate-keys", analyst.headers],
      ["POST", "/api/isolate-node", analyst.headers],
    ];
    for (const [method, template, headers] of cases) {
      await refused(await sendPrepared(method, prepare(method, template, ids)!, headers), [403], template);
      checks.hit("API5 role ladder");
    }
    const key = (await createApiKey(w.tenantId, { name: "writer", scopes: ["write"] })).key;
    for (const template of ["/api/v1/auth/api-keys", "/api/v1/users/{username}/password"]) {
      await refused(await sendPrepared("POST", prepare("POST", template, ids)!, { "X-API-Key": key }), [403], template);
      checks.hit("API5 role ladder");
    }
  });
});

describe("API5 the admin API", () => {
  it("refuses a tenant's admin token, admin-scoped key, console cookie and OAuth token on every /admin operation", async () => {
    const credentials: Headers[] = [
      w.admin.headers,
      { Authorization: `Bearer ${(await createApiKey(w.tenantId, { name: "root", scopes: ["admin"] })).key}` },
      { "X-API-Key": (await createApiKey(w.tenantId, { name: "root2", scopes: ["admin"] })).key },
      await consoleCookie(w.tenantId, "admin"),
      w.manage,
    ];
    const admin = Object.entries(doc.paths).filter(([p]) => p.startsWith("/admin"));
    expect(admin.length).toBeGreaterThanOrEqual(8);
    for (const [template, item] of admin)
      for (const method of ["get", ...METHODS] as const) {
        if (!item[method]) continue;
        const path = template.replace("{tenantId}", w.tenantId).replace(/\{\w+\}/g, "x");
        const body = method === "get" || method === "delete" ? undefined : { name: "evil", role: "admin", scopes: ["admin"] };
        for (const headers of credentials) {
          await refused(await send(method.toUpperCase(), path, body, headers), [401, 403], template);
          checks.hit("API5 admin API");
        }
      }
    expect((await call("/admin/tenants", { headers: adminHeaders })).status).toBe(200);
  });
});
