import { env } from "cloudflare:workers";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDevice, createMachine, machineKey, ownerCookie } from "../av-helpers";
import { adminHeaders, call, createApiKey, createTenant, createUser, parseSetCookie, postJson, quantumHeaders } from "../helpers";
import { deref, hostile, mutatedBody, paramText, type Doc, type Schema } from "./schema-arbitrary";
import { envelopeProblem } from "./envelopes";
import { tally } from "./tally";

// Requests generated from the served OpenAPI document for every operation: bodies near the
// schema and far from it, hostile path and query parameters, malformed JSON, wrong content
// types, and missing or invalid credentials. The oracle: never a 5xx, and every rejection in
// the family's own error envelope.
const RUNS = Number(env.TEST_FUZZ_RUNS || 12);
const SEED = Number(env.TEST_FUZZ_SEED || 20261126);
const METHODS = ["get", "post", "put", "patch", "delete"] as const;

interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  security?: Record<string, string[]>[];
}
type OpenApi = Doc & { paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>> };

let doc: OpenApi;
const credentials: Record<string, Record<string, string>> = {};
const problems: string[] = [];

beforeAll(async () => {
  doc = (await (await call("/openapi.json")).json()) as OpenApi;
  const tenantId = await createTenant("fuzz-co");
  const admin = await createUser(tenantId, "fuzz-admin@fuzz.test", "admin");
  const login = await postJson("/auth/login", { username: admin.username, password: admin.password });
  const jwt = ((await login.json()) as { data: { access_token: string } }).data.access_token;
  const code = await postJson(`/admin/tenants/${tenantId}/auth-codes`, { role: "admin", user_id: admin.id }, adminHeaders);
  const session = await postJson("/api/auth", { code: ((await code.json()) as { code: string }).code });
  await createMachine(tenantId, "fuzz-m", admin.id, "public");
  const owner = await ownerCookie(admin);
  await addDevice("fuzz-m", owner);
  Object.assign(credentials, {
    AdminBearer: adminHeaders,
    BearerJWT: { Authorization: `Bearer ${jwt}` },
    QecnetSession: { Cookie: `qecnet_session=${parseSetCookie(session, "qecnet_session")!.value}` },
    IncidentsApiKey: { "X-API-Key": (await createApiKey(tenantId, { name: "fuzz", scopes: ["admin"] })).key },
    QuantumOAuth: await quantumHeaders(tenantId, ["quantum:read", "quantum:write", "consensus:manage"]),
    ZeqSession: owner,
    ZeqSmKey: await machineKey(tenantId, "fuzz-m"),
  });
});

afterAll(() => {
  console.log(`\nOpenAPI fuzzing: ${tally.summary()}`);
});

function credentialFor(op: Operation): Record<string, string> {
  for (const requirement of op.security ?? []) {
    const scheme = Object.keys(requirement)[0];
    if (scheme && credentials[scheme]) return credentials[scheme];
  }
  return {};
}

const fill = (path: string, values: Record<string, string>) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? "x"));

interface Generated {
  path: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  raw: string | null;
  auth: "valid" | "none" | "invalid";
}

function requestArbitrary(op: Operation): fc.Arbitrary<Generated> {
  const params = op.parameters ?? [];
  const ofKind = (kind: Parameter["in"]) =>
    fc.record(Object.fromEntries(params.filter((p) => p.in === kind).map((p) => [p.name, paramText(doc, p.schema)])), {
      requiredKeys: params.filter((p) => p.in === kind && (kind === "path" || p.required)).map((p) => p.name),
    }) as fc.Arbitrary<Record<string, string>>;
  const json = op.requestBody?.content?.["application/json"]?.schema;
  return fc.record({
    path: ofKind("path"),
    query: ofKind("query"),
    body: json ? mutatedBody(doc, deref(doc, json)) : hostile,
    raw: fc.option(fc.constantFrom("{", '{"a":', "[1,2", "\u0000", "null", '"text"', "<xml/>", "x".repeat(1_100_000)), {
      freq: 6,
    }),
    auth: fc.constantFrom<Generated["auth"]>("valid", "valid", "valid", "valid", "none", "invalid"),
  });
}

async function send(method: string, template: string, op: Operation, g: Generated): Promise<Response> {
  const url = new URL(fill(template, g.path), "https://vigil.test");
  for (const [k, v] of Object.entries(g.query)) url.searchParams.set(k, v);
  const headers: Record<string, string> =
    g.auth === "valid" ? { ...credentialFor(op) } : g.auth === "invalid" ? { Authorization: "Bearer not.a.token" } : {};
  const init: RequestInit = { method: method.toUpperCase(), headers };
  if (method !== "get" && method !== "delete") {
    const types = Object.keys(op.requestBody?.content ?? { "application/json": {} });
    headers["Content-Type"] = types[0] ?? "application/json";
    init.body =
      g.raw ?? (typeof g.body === "string" && headers["Content-Type"] !== "application/json" ? g.body : JSON.stringify(g.body));
  }
  return call(`${url.pathname}${url.search}`, init);
}

async function check(method: string, template: string, op: Operation, g: Generated): Promise<void> {
  const label = `${method.toUpperCase()} ${template}`;
  const res = await send(method, template, op, g);
  const text = await res.text();
  tally.record(label, res.status, g.auth);
  const problem = res.status >= 500 ? `${res.status}: ${text.slice(0, 300)}` : envelopeProblem(template, res, text);
  if (problem) problems.push(`${label} (${JSON.stringify(g).slice(0, 400)}) → ${problem}`);
}

describe("every operation in the OpenAPI document, fuzzed", () => {
  it("answers generated requests without a 5xx, rejecting in the family's envelope", async () => {
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]).map((m) => [m, path, item[m]!] as const),
    );
    expect(operations.length).toBeGreaterThan(100);
    for (const [method, path, op] of operations) {
      await fc.assert(
        fc.asyncProperty(requestArbitrary(op), (g) => check(method, path, op, g)),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
    }
    tally.operations = operations.length;
    expect(problems.slice(0, 20)).toEqual([]);
  }, 600_000);
});
