import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { zeqondOf } from "../functions/av/scoring";
import { addDevice, createMachine, machineKey, ownerCookie } from "./av-helpers";
import { call, createTenant, createUser, postJson } from "./helpers";

type ClaimResponse = { audit_row_id: string; s_forensic: number; fired: boolean; blockers: string[]; notified: string[] };

let tenantId: string;
let cookie: Record<string, string>;
const now = () => zeqondOf(Date.now());

beforeAll(async () => {
  tenantId = await createTenant("av-integrity");
  const owner = await createUser(tenantId, "ivy@integrity.test", "analyst");
  cookie = await ownerCookie(owner);
  for (const slug of ["trust-a", "trust-b", "trust-c", "trust-d", "fault-m"]) await createMachine(tenantId, slug, owner.id);
});

const claim = async (body: Record<string, unknown>, key: Record<string, string>) => {
  const res = await postJson("/api/av/claim", body, key);
  return { status: res.status, body: (await res.json()) as ClaimResponse & { ok: boolean; error?: string } };
};

describe("the subscriber trust bonus", () => {
  it("raises a subscriber's own composite by 0.05 once two other publishers fired the same indicator", async () => {
    const [aKey, bKey, cKey] = await Promise.all(["trust-a", "trust-b", "trust-c"].map((s) => machineKey(tenantId, s)));
    const [aDev, bDev, cDev] = await Promise.all(["trust-a", "trust-b", "trust-c"].map((s) => addDevice(s, cookie)));
    for (const publisher of ["trust-b", "trust-c"])
      expect((await postJson("/api/av/subscriptions", { slug: "trust-a", publisher_slug: publisher }, cookie)).status).toBe(201);
    const at = now() - (now() % 30); // the start of a 30-zeqond fingerprint bucket, so at + 2 shares it
    const payload = { exec_path: "/tmp/.cache/kworkerd", sha256: "9f".repeat(32) };
    const seen = (device: string, value: number) => ({
      claim_type: "binary_execution",
      claim_payload: payload,
      device_id: device,
      captured_at_zeqond: at,
      hf_scores: [{ hf_id: "HF3", value }],
    });

    // One corroborating publisher is not enough: 0.82 < θ.
    expect((await claim(seen(bDev!, 0.97), bKey!)).body).toMatchObject({ fired: true, notified: ["trust-a"] });
    const alone = await claim({ ...seen(aDev!, 0.82), captured_at_zeqond: at + 1 }, aKey!);
    expect(alone.body).toMatchObject({ s_forensic: 0.82, fired: false, blockers: ["composite_below_theta"] });

    // A second publisher fires the same indicator from its own device: A's next claim gains the bonus.
    expect((await claim(seen(cDev!, 0.9), cKey!)).body).toMatchObject({ fired: true, notified: ["trust-a"] });
    const corroborated = await claim({ ...seen(aDev!, 0.82), captured_at_zeqond: at + 2 }, aKey!);
    expect(corroborated.body).toMatchObject({ s_forensic: 0.87, fired: true, blockers: [] });

    // A different payload is a different indicator: no bonus.
    const other = await claim({ ...seen(aDev!, 0.82), claim_payload: { ...payload, exec_path: "/usr/bin/ls" } }, aKey!);
    expect(other.body).toMatchObject({ s_forensic: 0.82, fired: false });
    const entries = await env.MACHINE_STATE.getByName("trust-a").transitions();
    const last = entries.filter((e) => e.action === "claim.recorded").map((e) => JSON.parse(e.detailsJson));
    expect(last.find((d) => d.audit_row_id === corroborated.body.audit_row_id)).toMatchObject({
      trust_bonus: 0.05,
      corroborating_publishers: 2,
    });
  });

  it("refuses a machine following itself", async () => {
    const res = await postJson("/api/av/subscriptions", { slug: "trust-d", publisher_slug: "trust-d" }, cookie);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ ok: false, error: "invalid_request" });
  });
});

describe("a storage fault while recording a claim", () => {
  const counts = () =>
    runInDurableObject(env.MACHINE_STATE.getByName("fault-m"), (_, state) => ({
      claims: state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM claims").one().n,
      transitions: state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM transitions").one().n,
    }));

  it("answers 500 audit_write_failed with nothing written, and the retry then succeeds once", async () => {
    const key = await machineKey(tenantId, "fault-m");
    const device = await addDevice("fault-m", cookie);
    const body = {
      claim_type: "self_tamper",
      claim_payload: { module: "agent.sys", action: "unload" },
      device_id: device,
      captured_at_zeqond: now(),
    };
    const before = await counts();
    // The fault is SQLite's own: the claim row's insert aborts after the chain entry was written.
    await runInDurableObject(env.MACHINE_STATE.getByName("fault-m"), (_, state) => {
      state.storage.sql.exec(
        "CREATE TRIGGER injected_fault BEFORE INSERT ON claims BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END",
      );
    });
    const failed = await claim(body, key);
    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject({ ok: false, error: "audit_write_failed" });
    expect(JSON.stringify(failed.body)).not.toContain("disk I/O");
    expect(await counts()).toEqual(before);

    await runInDurableObject(env.MACHINE_STATE.getByName("fault-m"), (_, state) => {
      state.storage.sql.exec("DROP TRIGGER injected_fault");
    });
    const retried = await claim(body, key);
    expect(retried.status).toBe(201);
    expect(retried.body).toMatchObject({ ok: true, fired: true, blockers: [] });
    const again = await claim(body, key);
    expect(again.body.audit_row_id).toBe(retried.body.audit_row_id);
    expect(await counts()).toEqual({ claims: before.claims + 1, transitions: before.transitions + 1 });
    const verify = await call("/api/av/audit/verify?slug=fault-m", { headers: cookie });
    expect(await verify.json()).toMatchObject({ valid: true, length: before.transitions + 1 });
  });
});
