import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { unixMsOf, zeqondOf } from "../functions/av/scoring";
import { adminHeaders, call, createApiKey, createTenant, createUser, eventually, parseSetCookie, postJson } from "./helpers";

type ClaimResponse = {
  ok: boolean;
  audit_row_id: string;
  zeqond: number;
  s_forensic: number;
  fired: boolean;
  blockers: string[];
  notified: string[];
  fingerprint: string;
};

let tenantId: string;
let key: Record<string, string>;
let ownerCookie: Record<string, string>;
let deviceId: string;
const slug = "claims-machine-01";
const now = () => zeqondOf(Date.now());

const claim = (body: Record<string, unknown>, headers = key) => postJson("/api/av/claim", body, headers);
const spawn = (over: Record<string, unknown> = {}) => ({
  claim_type: "process_spawn",
  claim_payload: { instances_in_30_pulses: 42, max_instances: 100, exec_path: "/usr/bin/curl" },
  device_id: deviceId,
  captured_at_zeqond: now(),
  ...over,
});

beforeAll(async () => {
  tenantId = await createTenant("av-claims");
  const owner = await createUser(tenantId, "owen@claims.test", "analyst");
  expect(
    (
      await postJson(
        `/admin/tenants/${tenantId}/machines`,
        { slug, owner_user_id: owner.id, visibility: "private" },
        adminHeaders,
      )
    ).status,
  ).toBe(201);
  key = {
    "X-Zeq-SM-Key": (await createApiKey(tenantId, { name: "agent", scopes: ["write"], header: "X-Zeq-SM-Key", machine: slug }))
      .key,
  };
  const login = await postJson("/api/av/login", { username: owner.username, password: owner.password });
  ownerCookie = { Cookie: `zeq_auth_token=${parseSetCookie(login, "zeq_auth_token")!.value}` };
  deviceId = (
    (await (await postJson("/api/av/devices", { slug, name: "laptop", os: "linux" }, ownerCookie)).json()) as {
      device_id: string;
    }
  ).device_id;
});

describe("POST /api/av/claim", () => {
  it("answers the seed's shape; a claim below θ is recorded with its blocker and a derived score", async () => {
    const res = await claim(spawn());
    expect(res.status).toBe(201);
    const body = (await res.json()) as ClaimResponse;
    expect(body).toMatchObject({ ok: true, s_forensic: 0.42, fired: false, blockers: ["composite_below_theta"], notified: [] });
    expect(body.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(body.audit_row_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("fires at s_forensic ≥ θ, emits av.threat.detected, and a retry returns the original row", async () => {
    const body = spawn({
      claim_payload: { instances_in_30_pulses: 90, max_instances: 100, exec_path: "/tmp/.x/miner" },
      captured_at_zeqond: now() - (now() % 30), // the start of a 30-zeqond bucket
      hf_scores: [
        { hf_id: "HF5", value: 0.95 },
        { hf_id: "HF8", value: 0.8 },
      ],
    }); // (2×0.95 + 0.8) / 3 = 0.9
    const first = (await (await claim(body)).json()) as ClaimResponse;
    expect(first).toMatchObject({ fired: true, blockers: [], s_forensic: 0.9 });
    const retry = (await (await claim(body)).json()) as ClaimResponse;
    expect(retry.audit_row_id).toBe(first.audit_row_id);
    const eventId = `evt_${first.audit_row_id.replaceAll("-", "")}`;
    await eventually(
      async () =>
        (await env.DB.prepare("SELECT type FROM security_events WHERE id = ?").bind(eventId).first<{ type: string }>())?.type ===
        "av.threat.detected",
    );
    // The same threat again in the same 30-zeqond bucket (a later capture) is a duplicate, not a second fire.
    const again = (await (await claim({ ...body, captured_at_zeqond: body.captured_at_zeqond + 1 })).json()) as ClaimResponse;
    expect(again).toMatchObject({ fired: false, blockers: ["duplicate_claim"] });
    expect(again.audit_row_id).not.toBe(first.audit_row_id);
  });

  it("names every gate: unknown device, stale capture", async () => {
    const unknown = (await (
      await claim(spawn({ device_id: "dev_nobody", hf_scores: [{ hf_id: "HF1", value: 1 }] }))
    ).json()) as ClaimResponse;
    expect(unknown).toMatchObject({ fired: false, blockers: ["device_unknown"] });
    const stale = (await (
      await claim(spawn({ captured_at_zeqond: 2287568432, hf_scores: [{ hf_id: "HF1", value: 1 }] }))
    ).json()) as ClaimResponse;
    expect(stale.blockers).toEqual(["stale_capture"]);
    expect(new Date(unixMsOf(2287568432)).getUTCFullYear()).toBe(2026);
  });

  it("refuses bad input and keys that may not claim for this machine", async () => {
    expect((await claim({ ...spawn(), claim_type: "Not A Type" })).status).toBe(400);
    expect((await claim({ ...spawn(), hf_scores: [{ hf_id: "HF21", value: 0.5 }] })).status).toBe(400);
    expect((await claim({ ...spawn(), captured_at_zeqond: "soon" })).status).toBe(400);
    expect((await claim(spawn(), {})).status).toBe(401);
    const reader = {
      "X-Zeq-SM-Key": (await createApiKey(tenantId, { name: "ro", scopes: ["read"], header: "X-Zeq-SM-Key", machine: slug })).key,
    };
    expect((await claim(spawn(), reader)).status).toBe(403);
    const unbound = {
      "X-Zeq-SM-Key": (await createApiKey(tenantId, { name: "loose", scopes: ["write"], header: "X-Zeq-SM-Key" })).key,
    };
    expect((await claim(spawn(), unbound)).status).toBe(403);
    const custom = (await (
      await claim(spawn({ claim_type: "acme.honey.token_touched", hf_scores: [{ hf_id: "HF20", value: 1 }] }))
    ).json()) as ClaimResponse;
    expect(custom.fired).toBe(true);
  });
});

describe("device quarantine", () => {
  it("stops a quarantined device's claims from firing until it is released", async () => {
    const q = (quarantined: boolean, headers = ownerCookie) =>
      postJson("/api/av/devices/quarantine", { slug, device_id: deviceId, quarantined }, headers);
    const res = await q(true);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, device_id: deviceId, quarantined: true });
    const strong = (exec: string) =>
      spawn({
        claim_payload: { instances_in_30_pulses: 99, max_instances: 100, exec_path: exec },
        hf_scores: [{ hf_id: "HF20", value: 1 }],
      });
    const blocked = (await (await claim(strong("/tmp/q1"))).json()) as ClaimResponse;
    expect(blocked).toMatchObject({ fired: false, blockers: ["device_quarantined"] });
    expect((await q(false)).status).toBe(200);
    expect(((await (await claim(strong("/tmp/q2"))).json()) as ClaimResponse).fired).toBe(true);
    expect(
      (await postJson("/api/av/devices/quarantine", { slug, device_id: "dev_missing", quarantined: true }, ownerCookie)).status,
    ).toBe(404);
    expect((await q(true, {})).status).toBe(401);
  });
});

describe("GET /api/av/threats", () => {
  it("lists the window's claims for the owner, 403 for others on a private machine, 404 unknown, 400 bad window", async () => {
    const res = await call(`/api/av/threats?slug=${slug}&window=1h`, { headers: ownerCookie });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      ok: boolean;
      window: string;
      count: number;
      threats: { fired: boolean; zeqond: string; transition_id: string }[];
    };
    expect(body).toMatchObject({ ok: true, window: "1h", truncated: false });
    expect(body.count).toBe(body.threats.length);
    expect(body.threats.some((t) => t.fired)).toBe(true);
    expect(body.threats.every((t) => /^\d+$/.test(t.zeqond))).toBe(true);
    expect((await call(`/api/av/threats?slug=${slug}`)).status).toBe(403);
    expect((await call("/api/av/threats?slug=no-such-machine")).status).toBe(404);
    expect((await call(`/api/av/threats?slug=${slug}&window=100d`, { headers: ownerCookie })).status).toBe(400);
    expect((await call(`/api/av/threats?slug=${slug}&window=soon`, { headers: ownerCookie })).status).toBe(400);
  });
});

describe("the machine mesh", () => {
  it("A subscribes to B; B fires; A's feed advances once per fire and `notified` names A", async () => {
    const owner = await createUser(tenantId, "mia@claims.test", "analyst");
    const login = await postJson("/api/av/login", { username: owner.username, password: owner.password });
    const cookie = { Cookie: `zeq_auth_token=${parseSetCookie(login, "zeq_auth_token")!.value}` };
    for (const [s, visibility] of [
      ["mesh-a", "private"],
      ["mesh-b", "public"],
    ])
      expect(
        (await postJson(`/admin/tenants/${tenantId}/machines`, { slug: s, owner_user_id: owner.id, visibility }, adminHeaders))
          .status,
      ).toBe(201);
    const bKey = {
      "X-Zeq-SM-Key": (await createApiKey(tenantId, { name: "b", scopes: ["write"], header: "X-Zeq-SM-Key", machine: "mesh-b" }))
        .key,
    };
    const bDevice = (
      (await (await postJson("/api/av/devices", { slug: "mesh-b", name: "srv", os: "linux" }, cookie)).json()) as {
        device_id: string;
      }
    ).device_id;

    const sub = await postJson("/api/av/subscriptions", { slug: "mesh-a", publisher_slug: "mesh-b" }, cookie);
    expect(sub.status).toBe(201);
    expect(await sub.json()).toEqual({ ok: true, slug: "mesh-a", publisher_slug: "mesh-b", tag: "av.threat.detected" });
    // Only the subscriber's owner may subscribe it; a private publisher is not followable by strangers.
    expect((await postJson("/api/av/subscriptions", { slug: "mesh-a", publisher_slug: "mesh-b" }, ownerCookie)).status).toBe(403);
    expect((await postJson("/api/av/subscriptions", { slug: "mesh-a", publisher_slug: "nope-nope" }, cookie)).status).toBe(404);

    const fire = {
      claim_type: "c2_callback",
      claim_payload: { interval_jitter_ms: 10, mean_interval_ms: 1000, host: "203.0.113.9" },
      device_id: bDevice,
      captured_at_zeqond: now(),
    };
    const fired = (await (await claim(fire, bKey)).json()) as ClaimResponse;
    expect(fired).toMatchObject({ fired: true, notified: ["mesh-a"], s_forensic: 0.99 });
    const retried = (await (await claim(fire, bKey)).json()) as ClaimResponse;
    expect(retried.notified).toEqual(["mesh-a"]);

    const feed = (await (await call("/api/av/mesh-feed?slug=mesh-a", { headers: cookie })).json()) as {
      subscriptions: { publisher_slug: string; fire_count: number; last_fired_zeqond: string }[];
    };
    expect(feed.subscriptions).toEqual([
      { publisher_slug: "mesh-b", tag: "av.threat.detected", fire_count: 1, last_fired_zeqond: String(fire.captured_at_zeqond) },
    ]);
    expect((await call("/api/av/mesh-feed?slug=mesh-a")).status).toBe(403);
    expect((await call("/api/av/mesh-feed?slug=mesh-b")).status).toBe(200);

    const del = await call("/api/av/subscriptions", {
      method: "DELETE",
      headers: { "Content-Type": "application/json", ...cookie },
      body: JSON.stringify({ slug: "mesh-a", publisher_slug: "mesh-b" }),
    });
    expect(del.status).toBe(200);
    const later = (await (
      await claim({ ...fire, claim_payload: { ...fire.claim_payload, host: "198.51.100.7" } }, bKey)
    ).json()) as ClaimResponse;
    expect(later.notified).toEqual([]);
  });
});
