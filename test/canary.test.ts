import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import {
  bb84Errors,
  chshValue,
  cryptoRandom,
  decodeState,
  encodeState,
  prepare,
  TSIRELSON_BOUND,
  type Random,
} from "../functions/quantum/canary/bb84";
import { call, createTenant, eventually, postJson, quantumHeaders, receiverInbox } from "./helpers";

const TOKENS = "/v3/quantum/canary/tokens";
/** The seed's Python client payload for deploy_canary_token(num_qubits=8, zone="edge"). */
const SEED_DEPLOY = {
  num_qubits: 8,
  deployment_zone: "edge",
  lifetime_seconds: 3600,
  entanglement_pairs: 4,
  metadata: { "deployed by": "api client", purpose: "attack_detection" },
};

type Token = Record<string, any> & { token_id: string; monitoring_url: string; decoy_credential: string };
type QuantumError = {
  error: { code: string; message: string; details: Record<string, any> };
  request_id: string;
  timestamp: string;
};

let tenantId: string;
let writer: Record<string, string>;
let reader: Record<string, string>;

beforeAll(async () => {
  tenantId = await createTenant("canary");
  writer = await quantumHeaders(tenantId, ["quantum:read", "quantum:write"]);
  reader = await quantumHeaders(tenantId, ["quantum:read"]);
});

async function deploy(body: Record<string, unknown> = SEED_DEPLOY, headers = writer): Promise<Token> {
  const res = await postJson(TOKENS, body, headers);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Token;
}

const status = async (id: string, headers = reader) =>
  (await call(`${TOKENS}/${id}/status`, { headers })).json() as Promise<Token>;

const hitRows = async (id: string) =>
  (await env.DB.prepare("SELECT * FROM canary_hits WHERE token_id = ? ORDER BY id").bind(id).all<Record<string, any>>()).results;

async function eventsOf(id: string) {
  const { results } = await env.DB.prepare(
    "SELECT * FROM security_events WHERE type = 'quantum.canary.triggered' AND json_extract(details, '$.token_id') = ? ORDER BY occurred_at",
  )
    .bind(id)
    .all<{ id: string; tenant_id: string; severity: string; details: string }>();
  return results.map((e) => ({ ...e, details: JSON.parse(e.details) as Record<string, any> }));
}

/** Hits are recorded after the response (waitUntil): wait for them, then give stragglers time to show. */
async function settled(id: string, hits: number) {
  await eventually(async () => (await hitRows(id)).length >= hits);
  await new Promise((r) => setTimeout(r, 300));
}

const path = (url: string) => new URL(url).pathname;

describe("deploy, list, status (seed shapes)", () => {
  it("answers the seed's 201 fields and labels the simulation", async () => {
    const t = await deploy();
    expect(t.token_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(t.deployment_location).toBe("edge");
    expect(Date.parse(t.expiration_time) - Date.parse(t.creation_time)).toBe(3600_000);
    expect(new Date(t.creation_time).toISOString()).toBe(t.creation_time);
    expect(t.monitoring_url).toMatch(/^https:\/\/vigil\.test\/c\/[A-Za-z0-9_-]{43}$/);
    expect(t.decoy_credential).toMatch(/^vgl_[A-Za-z0-9_-]{43}$/);
    expect(t.simulation).toMatchObject({ simulated: true, method: expect.stringContaining("classical simulation") });
    const state = decodeState(t.quantum_state);
    expect([state.bits.length, state.pairs]).toEqual([8, 4]);
    expect(t.metadata).toEqual(SEED_DEPLOY.metadata);
  });

  it("applies the seed's defaults (the JavaScript client sends no pairs; the minimum is a zone)", async () => {
    const js = await deploy({ num_qubits: 16, deployment_zone: "core", lifetime_seconds: 3600 });
    expect([js.num_qubits, js.entanglement_pairs]).toEqual([16, 4]);
    const bare = await deploy({ deployment_zone: "dmz" });
    expect([bare.num_qubits, bare.entanglement_pairs, bare.metadata]).toEqual([8, 4, {}]);
    expect(Date.parse(bare.expiration_time) - Date.parse(bare.creation_time)).toBe(3600_000);
  });

  it("enforces bounds and enums in the seed's error format, naming the field", async () => {
    const bad: Record<string, unknown[]> = {
      num_qubits: [3, 33, 8.5, "8"],
      deployment_zone: ["mars", undefined],
      lifetime_seconds: [59, 86_401],
      entanglement_pairs: [1, 17],
      metadata: ["x"],
    };
    for (const [field, value] of Object.entries(bad).flatMap(([f, vs]) => vs.map((v) => [f, v] as const))) {
      const res = await postJson(TOKENS, { ...SEED_DEPLOY, [field]: value }, writer);
      expect(res.status, `${field}=${value}`).toBe(400);
      const err = (await res.json()) as QuantumError;
      expect(err.error.code).toBe("INVALID_REQUEST");
      expect(err.error.message).toContain(field);
      expect(err.error.details.issues[0].field).toBe(field);
      expect(err.request_id).toMatch(/^req_/);
      expect(new Date(err.timestamp).toISOString()).toBe(err.timestamp);
    }
    const list = await call(`${TOKENS}?zone=mars`, { headers: reader });
    expect(list.status).toBe(400);
    expect(((await list.json()) as QuantumError).error.details.issues[0].field).toBe("zone");
    expect((await call(`${TOKENS}/not-a-uuid/status`, { headers: reader })).status).toBe(400);
  });

  it("needs quantum:write to deploy or test, hides other tenants' tokens as 404", async () => {
    const t = await deploy();
    for (const res of [
      await postJson(TOKENS, SEED_DEPLOY, reader),
      await call(`${TOKENS}/${t.token_id}/test`, { method: "POST", headers: reader }),
    ]) {
      expect(res.status).toBe(403);
      expect(((await res.json()) as QuantumError).error).toMatchObject({
        code: "FORBIDDEN",
        details: { required: "quantum:write" },
      });
    }
    expect((await call(TOKENS)).status).toBe(401);
    const other = await quantumHeaders(await createTenant("canary-other"), ["quantum:read", "quantum:write"]);
    for (const res of [
      await call(`${TOKENS}/${t.token_id}/status`, { headers: other }),
      await call(`${TOKENS}/${t.token_id}/test`, { method: "POST", headers: other }),
    ]) {
      expect(res.status).toBe(404);
      expect(((await res.json()) as QuantumError).error.code).toBe("NOT_FOUND");
    }
    const theirs = (await (await call(TOKENS, { headers: other })).json()) as { tokens: Token[] };
    expect(theirs.tokens.map((x) => x.token_id)).not.toContain(t.token_id);
  });

  it("shows the tripwire's URL and decoy to callers who may deploy, never to a read-only one", async () => {
    const t = await deploy();
    const readers = await Promise.all([
      call(`${TOKENS}/${t.token_id}/status`, { headers: reader }).then((r) => r.json()),
      call(TOKENS, { headers: reader }).then(async (r) =>
        ((await r.json()) as { tokens: Token[] }).tokens.find((x) => x.token_id === t.token_id),
      ),
    ]);
    for (const view of readers) {
      expect(view).toMatchObject({ token_id: t.token_id });
      expect(view).not.toHaveProperty("monitoring_url");
      expect(view).not.toHaveProperty("decoy_credential");
    }
    const mine = (await (await call(`${TOKENS}/${t.token_id}/status`, { headers: writer })).json()) as Record<string, unknown>;
    expect(mine).toMatchObject({ monitoring_url: expect.stringContaining("/c/"), decoy_credential: expect.any(String) });
  });

  it("lists as {tokens}, filtered by zone and status=active (not collapsed, not expired); expired says so", async () => {
    const tenant = await createTenant("canary-list");
    const w = await quantumHeaders(tenant, ["quantum:write"]);
    const [edge, cloud, collapsed, expired] = [
      await deploy(SEED_DEPLOY, w),
      await deploy({ ...SEED_DEPLOY, deployment_zone: "cloud" }, w),
      await deploy(SEED_DEPLOY, w),
      await deploy(SEED_DEPLOY, w),
    ];
    expect((await call(`${TOKENS}/${collapsed.token_id}/test`, { method: "POST", headers: w })).status).toBe(200);
    await env.DB.prepare("UPDATE canary_tokens SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1000, expired.token_id)
      .run();
    const ids = async (query: string) =>
      ((await (await call(`${TOKENS}${query}`, { headers: w })).json()) as { tokens: Token[] }).tokens
        .map((x) => x.token_id)
        .sort();
    expect(await ids("")).toEqual([edge, cloud, collapsed, expired].map((x) => x.token_id).sort());
    expect(await ids("?status=active")).toEqual([edge, cloud].map((x) => x.token_id).sort());
    expect(await ids("?zone=edge&status=active")).toEqual([edge.token_id]);
    expect(await ids("?zone=cloud")).toEqual([cloud.token_id]);
    expect(await ids("?status=expired")).toEqual([expired.token_id]);
    expect((await status(expired.token_id, w)).status).toBe("expired");
    expect((await status(collapsed.token_id, w)).status).toBe("collapsed");
  });
});

describe("simulated quantum state over the API", () => {
  it("an undisturbed token shows QBER 0 and S ≈ 2√2", async () => {
    const t = await deploy({ ...SEED_DEPLOY, num_qubits: 32, entanglement_pairs: 2 });
    const s = await status(t.token_id);
    expect(s.last_check).toMatchObject({ eavesdropper: false, qber: 0, disturbed: false, chsh_trials: 2048 });
    expect(Math.abs(s.last_check.chsh_s - TSIRELSON_BOUND)).toBeLessThan(0.3);
    expect(s).toMatchObject({ status: "active", hits: 0, suppressed_hits: 0, recent_hits: [] });
  });

  it("the collapse test: QBER > 0 and S ≤ 2, collapsed, and a test-flagged trigger reaches the pipeline", async () => {
    const t = await deploy({ ...SEED_DEPLOY, num_qubits: 32 });
    const res = await call(`${TOKENS}/${t.token_id}/test`, { method: "POST", headers: writer });
    expect(res.status).toBe(200);
    const result = (await res.json()) as Record<string, any>;
    expect(result).toMatchObject({ token_id: t.token_id, test: "intercept_resend", collapsed: true, status: "collapsed" });
    expect(result.check.chsh_s).toBeLessThanOrEqual(2);
    expect(result.check).toMatchObject({ eavesdropper: true, disturbed: true });
    const [event, ...more] = await eventsOf(t.token_id);
    expect(more).toHaveLength(0);
    expect(event).toMatchObject({ id: result.event_id, tenant_id: tenantId, severity: "critical" });
    expect(event!.details).toMatchObject({ test: true, channel: "collapse_test", token_id: t.token_id });
    const s = await status(t.token_id);
    expect(s).toMatchObject({ status: "collapsed", hits: 0, last_check: { eavesdropper: true } });
    expect(s.recent_hits.map((h: { channel: string }) => h.channel)).toEqual(["collapse_test"]);
  });
});

describe("tripwires", () => {
  it("a monitoring-URL hit answers a pixel, records who, emits one event, and reaches a webhook", async () => {
    // A tenant of its own, so no other test's trigger reaches this receiver.
    const own = await quantumHeaders(await createTenant("canary-webhook"), ["quantum:write"]);
    const inbox = await receiverInbox();
    const hook = await postJson("/v3/webhooks", { url: inbox.url, events: ["quantum.canary.triggered"] }, own);
    expect(hook.status).toBe(201);
    const t = await deploy(SEED_DEPLOY, own);
    const res = await call(path(t.monitoring_url), { headers: { "CF-Connecting-IP": "203.0.113.9", "User-Agent": "curl/8.5" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("image/gif");
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    await settled(t.token_id, 1);
    const [hit] = await hitRows(t.token_id);
    expect(hit).toMatchObject({ channel: "monitoring_url", ip: "203.0.113.9", user_agent: "curl/8.5", alerted: 1 });
    const events = await eventsOf(t.token_id);
    expect(events).toHaveLength(1);
    expect(events[0]!.details).toMatchObject({ channel: "monitoring_url", ip: "203.0.113.9", test: false, suppressed_hits: 0 });

    // The decoy credential of a second token, presented to the API, reaches the same receiver.
    const d = await deploy(SEED_DEPLOY, own);
    expect((await call(TOKENS, { headers: { Authorization: `Bearer ${d.decoy_credential}` } })).status).toBe(401);
    await settled(d.token_id, 1);
    const decoyEvents = await eventsOf(d.token_id);
    expect(decoyEvents).toHaveLength(1);

    await eventually(async () => (await inbox.requests()).length >= 2, 20_000);
    await new Promise((r) => setTimeout(r, 500));
    const received = (await inbox.requests()).map((r) => JSON.parse(r.body) as { event: string; data: Record<string, any> });
    expect(received).toHaveLength(2);
    expect(received.map((p) => p.event)).toEqual(["quantum.canary.triggered", "quantum.canary.triggered"]);
    const byToken = Object.fromEntries(received.map((p) => [p.data.token_id, p.data]));
    expect(byToken[t.token_id]).toMatchObject({ event_id: events[0]!.id, channel: "monitoring_url", severity: "critical" });
    expect(byToken[d.token_id]).toMatchObject({ event_id: decoyEvents[0]!.id, channel: "decoy_credential" });
  });

  it("documents the canary API but not the tripwire URL", async () => {
    const doc = (await (await call("/openapi.json")).json()) as {
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    expect(doc.paths[TOKENS]?.post?.operationId).toBe("deployCanaryToken");
    expect(Object.keys(doc.paths).filter((p) => p.startsWith(TOKENS))).toHaveLength(3);
    expect(Object.keys(doc.paths).some((p) => p.startsWith("/c/"))).toBe(false);
  });

  it("an unknown URL token answers the same pixel", async () => {
    const res = await call(`/c/${"A".repeat(43)}`);
    expect([res.status, res.headers.get("Content-Type")]).toEqual([200, "image/gif"]);
  });

  it("a burst of 5 hits raises 1 alert now; the next alert carries the 4 suppressed", async () => {
    const t = await deploy();
    await Promise.all(Array.from({ length: 5 }, () => call(path(t.monitoring_url))));
    await settled(t.token_id, 5);
    expect((await hitRows(t.token_id)).filter((h) => h.alerted)).toHaveLength(1);
    expect(await eventsOf(t.token_id)).toHaveLength(1);
    expect(await status(t.token_id)).toMatchObject({ hits: 5, suppressed_hits: 4 });
    // The throttle window passes.
    await env.DB.prepare("UPDATE canary_tokens SET last_alert_at = last_alert_at - 61000 WHERE id = ?").bind(t.token_id).run();
    await call(path(t.monitoring_url));
    await settled(t.token_id, 6);
    const events = await eventsOf(t.token_id);
    expect(events).toHaveLength(2);
    expect(events[1]!.details).toMatchObject({ suppressed_hits: 4, hits: 6 });
    expect(await status(t.token_id)).toMatchObject({ hits: 6, suppressed_hits: 0 });
  });

  it("an expired token records the hit but does not alert", async () => {
    const t = await deploy();
    await env.DB.prepare("UPDATE canary_tokens SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, t.token_id)
      .run();
    await call(path(t.monitoring_url));
    await settled(t.token_id, 1);
    expect((await hitRows(t.token_id))[0]).toMatchObject({ alerted: 0 });
    expect(await eventsOf(t.token_id)).toHaveLength(0);
  });

  it("the decoy credential on any family's endpoint gets the ordinary 401 and records one hit and one event", async () => {
    const fake = `vgl_${"x".repeat(43)}`;
    const attempts: [string, (key: string) => RequestInit][] = [
      ["/api/v1/incidents", (key) => ({ headers: { "X-API-Key": key } })],
      ["/api/v1/incidents", (key) => ({ headers: { Authorization: `Bearer ${key}` } })],
      [TOKENS, (key) => ({ headers: { Authorization: `Bearer ${key}` } })],
      [TOKENS, (key) => ({ headers: { "X-API-Key": key } })],
      ["/api/events", (key) => ({ headers: { "X-API-Key": key } })],
      [
        "/api/av/claim",
        (key) => ({ method: "POST", headers: { "X-Zeq-SM-Key": key, "Content-Type": "application/json" }, body: "{}" }),
      ],
    ];
    for (const [url, init] of attempts) {
      const t = await deploy();
      const [decoyRes, fakeRes] = [await call(url, init(t.decoy_credential)), await call(url, init(fake))];
      expect([decoyRes.status, fakeRes.status], url).toEqual([401, 401]);
      const strip = (b: any) => JSON.stringify(b).replace(/req_\w+|\d{4}-\d\d-\d\dT[\d:.]+Z/g, "");
      expect(strip(await decoyRes.json())).toBe(strip(await fakeRes.json()));
      await settled(t.token_id, 1);
      expect(await hitRows(t.token_id)).toMatchObject([
        { channel: "decoy_credential", alerted: 1, detail: expect.stringContaining(url) },
      ]);
      const events = await eventsOf(t.token_id);
      expect(events).toHaveLength(1);
      expect(events[0]!.details).toMatchObject({ channel: "decoy_credential", token_id: t.token_id });
    }
  });
});

/** mulberry32: a seeded source, so the statistical checks below are reproducible. */
function seeded(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe("BB84 and CHSH simulation", () => {
  const RUNS = 4000;
  /** 4000 runs × ~16 sifted bits: the mean's standard error is ≈ 0.0025, so ±0.01 is four of them. */
  const TOLERANCE = 0.01;

  it("round-trips the encoded state", () => {
    const prep = prepare(27, 13, seeded(7));
    expect(decodeState(encodeState(prep))).toEqual(prep);
  });

  it("with no eavesdropper, QBER is exactly 0 on every run", () => {
    for (const rand of [seeded(1), cryptoRandom()])
      for (let i = 0; i < 500; i++) expect(bb84Errors(prepare(32, 2, rand), false, rand).errors).toBe(0);
  });

  it(`with intercept-resend, QBER over 32 qubits × ${RUNS} runs averages 25 % ± ${TOLERANCE}`, () => {
    for (const rand of [seeded(2), cryptoRandom()]) {
      let total = 0;
      let runs = 0;
      for (let i = 0; i < RUNS; i++) {
        const { qber } = bb84Errors(prepare(32, 2, rand), true, rand);
        if (qber === null) continue;
        total += qber;
        runs++;
      }
      expect(Math.abs(total / runs - 0.25)).toBeLessThan(TOLERANCE);
    }
  });

  it("CHSH: S ≈ 2√2 undisturbed and ≤ 2 once measured, on every one of 200 runs with the fewest pairs", () => {
    const rand = seeded(3);
    const clean: number[] = [];
    for (let i = 0; i < 200; i++) {
      const s = chshValue(2, false, rand).s;
      clean.push(s);
      expect(s).toBeGreaterThan(2.4);
      expect(chshValue(2, true, rand).s).toBeLessThanOrEqual(2);
    }
    expect(Math.abs(clean.reduce((a, b) => a + b) / clean.length - TSIRELSON_BOUND)).toBeLessThan(0.02);
  });
});
