import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMachine, ownerCookie } from "../av-helpers";
import { adminHeaders, awayFromWindowBoundary, call, postJson, quantumHeaders, randomIp } from "../helpers";
import { Checks, ok, refused, world, type Headers, type World } from "./owasp-helpers";

// OWASP API4:2023 Unrestricted resource consumption: page sizes past the documented maximum,
// bodies past the cap, GraphQL queries past their depth, cost and token limits, and request
// rates past the limits are refused before the work is done.
const checks = new Checks("OWASP API4 Unrestricted resource consumption");
let w: World;
let doc: { paths: Record<string, Record<string, { parameters?: { name: string; in: string; schema?: any }[] }>> };
let hookId: string;
let owner: Headers;
const slug = `owasp-api4-${crypto.randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  w = await world("api4");
  doc = await ok(await call("/openapi.json"));
  hookId = (await ok(await postJson("/v3/webhooks", { url: "https://hooks.example.com/x", events: ["*"] }, w.quantum), 201)).id;
  await createMachine(w.tenantId, slug, w.admin.user.id, "public");
  owner = await ownerCookie(w.admin.user);
});

afterAll(() => console.log(checks.summary()));

/** Credentials that can read a path, by family. */
function reader(path: string): Headers {
  if (path.startsWith("/admin")) return adminHeaders;
  if (path.startsWith("/v3")) return w.manage;
  return w.admin.headers;
}

describe("API4 page sizes", () => {
  it("every documented maximum holds: maximum + 1 is 400 in the family's envelope, the maximum itself is served", async () => {
    let bounded = 0;
    for (const [template, ops] of Object.entries(doc.paths)) {
      for (const p of ops.get?.parameters ?? []) {
        if (p.in !== "query" || !/^(limit|per_page)$/.test(p.name) || typeof p.schema?.maximum !== "number") continue;
        const path = template.replace("{webhookId}", hookId);
        const at = (n: number | string) => call(`${path}?${p.name}=${n}`, { headers: reader(path) });
        expect((await at(p.schema.maximum)).status, `${template} ${p.name}=${p.schema.maximum}`).toBe(200);
        for (const bad of [p.schema.maximum + 1, 1e9, 0, -1, `${p.schema.maximum}e1`, "ten"])
          await refused(await at(bad), [400], template);
        bounded++;
        checks.hit("API4 page sizes", 7);
      }
    }
    expect(bounded).toBeGreaterThanOrEqual(10);
  });

  it("other bounded reads: GraphQL agents(limit), agent-claims windows, correlation and rule IN lists", async () => {
    const gql = await postJson("/v3/graphql", { query: "{ agents(limit: 101) { totalCount } }" }, w.manage);
    expect(JSON.stringify(await gql.json())).toContain("BAD_USER_INPUT");
    await refused(await call(`/api/av/threats?slug=${slug}&window=91d`, { headers: owner }), [400], "/api/av/threats");
    expect((await call(`/api/av/threats?slug=${slug}&window=90d`, { headers: owner })).status).toBe(200);
    const ids = Array.from({ length: 501 }, (_, i) => `evt_${String(i).padStart(32, "0")}`);
    await refused(await postJson("/api/correlate", { eventIds: ids }, w.writeKey), [400], "/api/correlate");
    const values = Array.from({ length: 51 }, (_, i) => `'v${i}'`).join(",");
    const rule = {
      name: "wide",
      type: "detection",
      severity: "LOW",
      conditions: { query: `SELECT * FROM logs WHERE host IN (${values})` },
    };
    await refused(await postJson("/api/v1/rules", rule, w.writeKey), [400], "/api/v1/rules");
    const logs = Array.from({ length: 1001 }, () => ({ m: 1 }));
    await refused(await postJson("/api/v1/logs", logs, w.writeKey), [400], "/api/v1/logs");
    checks.hit("API4 page sizes", 6);
  });

  it("the command log is read a page at a time and verified a bounded run at a time", async () => {
    const list = await ok(await call("/api/audit", { headers: w.admin.headers }));
    expect(list.entries.length).toBeLessThanOrEqual(100);
    expect(list).toHaveProperty("next_after_seq");
    const verify = await ok(await call("/api/audit/verify", { headers: w.admin.headers }));
    expect(verify.checked).toBeLessThanOrEqual(10_000);
    expect(verify).toHaveProperty("next_from_seq");
    checks.hit("API4 page sizes", 4);
  });
});

describe("API4 request bodies", () => {
  const MiB = 1024 * 1024;
  const bodyOf = (bytes: number) => JSON.stringify({ pad: "x".repeat(bytes - 10) });
  const targets = (): [string, Headers][] => [
    ["/api/v1/incidents", w.writeKey],
    ["/v3/webhooks", w.quantum],
    ["/api/mesh/nodes", w.writeKey],
    ["/api/av/devices", owner],
    ["/api/auth", {}],
    ["/auth/login", {}],
    ["/admin/tenants", adminHeaders],
    ["/v3/graphql", w.manage],
  ];

  it("over 1 MiB is 413 in the family's envelope, whether the length is declared or streamed", async () => {
    for (const [path, headers] of targets()) {
      const big = bodyOf(MiB + 1);
      const declared = await call(path, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...headers },
        body: big,
      });
      await refused(declared, [413], path);
      const stream = new Blob([big]).stream();
      const streamed = await call(path, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...headers },
        body: stream,
        duplex: "half",
      } as RequestInit);
      await refused(streamed, [413], path);
      checks.hit("API4 bodies", 2);
    }
  });

  it("fragmentation takes its documented 1.5 MiB and no more", async () => {
    const post = (bytes: number) => postJson("/v3/fragmentation/fragment", bodyOf(bytes), w.quantum);
    await refused(await post(1.5 * MiB + 1), [413], "/v3/fragmentation/fragment");
    await refused(await post(1.2 * MiB), [400], "/v3/fragmentation/fragment");
    checks.hit("API4 bodies", 2);
  });
});

describe("API4 GraphQL limits", () => {
  const gql = async (query: string) => {
    const res = await postJson("/v3/graphql", { query }, { ...w.manage, Accept: "application/graphql-response+json" });
    return {
      status: res.status,
      body: (await res.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] },
    };
  };
  const page = `agents(limit: 100) { nodes { id name status capabilities metrics { cpuUsage memoryUsage tasksCompleted successRate } } }`;

  it.each([
    ["too deep", `{ agents { nodes { metrics { a { b { c { d { e { f { g } } } } } } } } } }`, "QUERY_TOO_DEEP"],
    ["too costly", `{ a: ${page} b: ${page} c: ${page} d: ${page} e: ${page} }`, "QUERY_TOO_COMPLEX"],
    [
      "an alias bomb",
      `{ ${Array.from({ length: 600 }, (_, i) => `a${i}: coordinationStatus { status }`).join(" ")} }`,
      "QUERY_TOO_COMPLEX",
    ],
    ["past 5000 tokens", `{ ${"__typename ".repeat(5001)} }`, null],
    ["an introspection bomb", `{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }`, null],
  ])("refuses %s before running it", async (_, query, code) => {
    const { status, body } = await gql(query);
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    if (code) expect(body.errors!.map((e) => e.extensions?.code)).toContain(code);
    else expect(body.errors!.length).toBeGreaterThan(0);
    checks.hit("API4 GraphQL");
  });

  it("refuses a batch (an array of operations) rather than running each", async () => {
    const res = await call("/v3/graphql", {
      method: "POST",
      headers: { ...w.manage, "Content-Type": "application/json" },
      body: JSON.stringify(Array.from({ length: 50 }, () => ({ query: "{ coordinationStatus { status } }" }))),
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    checks.hit("API4 GraphQL");
  });
});

describe("API4 rate limits", () => {
  it("/api/auth: the sixth attempt in a minute from one address is 429 with Retry-After", async () => {
    await awayFromWindowBoundary();
    const ip = randomIp();
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 6; i++)
      statuses.push((last = await postJson("/api/auth", { code: "qac_x" }, { "CF-Connecting-IP": ip })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    expect(Number(last!.headers.get("Retry-After"))).toBeGreaterThan(0);
    await refused(last!, [429], "/api/auth");
    checks.hit("API4 rate limits", 2);
  });

  it("a free-tier OAuth client past its burst of 50 gets 429 with Retry-After and its tier named", async () => {
    const free = await quantumHeaders(w.tenantId, ["quantum:read"], "free");
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 80 }, () => call("/v3/consensus/status", { headers: free })));
    const seconds = (Date.now() - started) / 1000;
    const served = results.filter((r) => r.status === 200).length;
    expect(served).toBeGreaterThanOrEqual(50);
    expect(served).toBeLessThanOrEqual(50 + Math.ceil(10 * seconds) + 1);
    const limited = results.find((r) => r.status === 429)!;
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(limited.headers.get("X-RateLimit-Tier")).toBe("free");
    await refused(limited, [429], "/v3/consensus/status");
    checks.hit("API4 rate limits", 3);
  });
});
