import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { zeqondOf } from "../../functions/av/scoring";
import { addDevice, createMachine, machineKey, ownerCookie } from "../av-helpers";
import { call, createApiKey, createTenant, createUser, eventually, postJson } from "../helpers";
import { count, d1Fault, FAULT_MESSAGE, Faults, lit } from "./faults-helpers";
import { send } from "./owasp-helpers";

// Fault 1: a D1 write that fails in the middle of a request leaves no partial state, the client
// hears a failure it can act on, and the retry takes effect exactly once.
const faults = new Faults("Fault injection: D1 writes failing mid-request");
afterAll(() => console.log(faults.summary()));

let tenantId: string;
let writeKey: Record<string, string>;

beforeAll(async () => {
  tenantId = await createTenant(`faults-writes-${crypto.randomUUID().slice(0, 8)}`);
  writeKey = { "X-API-Key": (await createApiKey(tenantId, { name: "ops", scopes: ["write"] })).key };
  // The failed requests log their error; the assertions are on what the client and the stores see.
  vi.spyOn(console, "error").mockImplementation(() => undefined);
  vi.spyOn(console, "warn").mockImplementation(() => undefined);
});
afterAll(() => vi.restoreAllMocks());

const events = (type: string, extra = "") =>
  count(`SELECT count(*) AS n FROM security_events WHERE tenant_id = ? AND type = ? ${extra}`, tenantId, type);

/** A failure (5xx unless `min` says otherwise) that names nothing of the fault; its status and body. */
async function serverFailure(res: Response, min = 500): Promise<{ status: number; body: Record<string, any> }> {
  const text = await res.text();
  expect(res.status, text).toBeGreaterThanOrEqual(min);
  expect(text).not.toContain(FAULT_MESSAGE);
  expect(text).not.toMatch(/SQLITE|D1_ERROR|trigger/i);
  return { status: res.status, body: JSON.parse(text) as Record<string, any> };
}

/** A 500 in the incident-response envelope. */
async function internalError(res: Response): Promise<void> {
  const failure = await serverFailure(res);
  expect(failure.status).toBe(500);
  expect(failure.body).toMatchObject({ success: false, error: { code: "INTERNAL_ERROR" } });
}

describe("fault 1a: the claim's pipeline event cannot be written (D1 security_events insert aborts)", () => {
  const slug = `fault-claim-${crypto.randomUUID().slice(0, 6)}`;
  let key: Record<string, string>;
  let cookie: Record<string, string>;
  let body: Record<string, unknown>;
  let failed: { status: number; body: Record<string, any> };

  const ledger = () =>
    runInDurableObject(env.MACHINE_STATE.getByName(slug), (_, state) => ({
      claims: state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM claims").one().n,
      transitions: state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM transitions").one().n,
    }));

  beforeAll(async () => {
    const owner = await createUser(tenantId, `owner-${slug}@faults.test`, "analyst");
    cookie = await ownerCookie(owner);
    await createMachine(tenantId, slug, owner.id);
    key = await machineKey(tenantId, slug);
    const device = await addDevice(slug, cookie);
    body = {
      claim_type: "self_tamper",
      claim_payload: { module: "agent.sys", action: "unload" },
      device_id: device,
      captured_at_zeqond: zeqondOf(Date.now()),
    };
  });

  it("the claim is recorded once in a valid chain, and the agent's retry with the same body announces it once", async () => {
    const before = await ledger();
    const fault = await d1Fault(
      faults,
      "1a claim",
      "security_events",
      "INSERT",
      `NEW.tenant_id = ${lit(tenantId)} AND NEW.type = 'av.threat.detected'`,
    );
    try {
      failed = await serverFailure(await postJson("/api/av/claim", body, key));
    } finally {
      await fault.drop();
    }
    expect(failed.body).toMatchObject({ ok: false });
    // The chain entry and the claim row went in together (one SQLite transaction in the machine's object)...
    expect(await ledger()).toEqual({ claims: before.claims + 1, transitions: before.transitions + 1 });
    const verify = await call(`/api/av/audit/verify?slug=${slug}`, { headers: cookie });
    expect(await verify.json()).toMatchObject({ valid: true, length: before.transitions + 1, first_broken_seq: null });
    // ...and the event that failed is not half there.
    expect(await events("av.threat.detected")).toBe(0);
    faults.hit("1a claim", 6);

    const retried = await postJson("/api/av/claim", body, key);
    expect(retried.status).toBe(201);
    const first = (await retried.json()) as { audit_row_id: string; fired: boolean };
    expect(first.fired).toBe(true);
    const again = (await (await postJson("/api/av/claim", body, key)).json()) as { audit_row_id: string };
    expect(again.audit_row_id).toBe(first.audit_row_id);
    expect(await ledger()).toEqual({ claims: before.claims + 1, transitions: before.transitions + 1 });
    const eventId = `evt_${first.audit_row_id.replaceAll("-", "")}`;
    expect(await events("av.threat.detected")).toBe(1);
    expect(await count("SELECT count(*) AS n FROM security_events WHERE id = ?", eventId)).toBe(1);
    const threats = (await (await call(`/api/av/threats?slug=${slug}`, { headers: cookie })).json()) as { count: number };
    expect(threats.count).toBe(1);
    faults.hit("1a claim", 7);
  });

  // A claim recorded but not announced answers a retryable 503 naming the recorded row, so the
  // reference agent (scripts/agent.mjs) resends it and the fire reaches the pipeline.
  it("tells the agent the failure is retryable: 503 with Retry-After, naming the recorded row", () => {
    faults.hit("1a claim");
    expect(failed.status, JSON.stringify(failed.body)).toBe(503);
    expect(failed.body).toMatchObject({ ok: false, error: "service_unavailable", details: { audit_row_id: expect.any(String) } });
  });
});

describe("fault 1b: an incident update's timeline or status write aborts", () => {
  let id: string;
  const row = () => env.DB.prepare("SELECT * FROM incidents WHERE id = ?").bind(id).first();
  const timeline = () => count("SELECT count(*) AS n FROM incident_timeline WHERE incident_id = ?", id);
  const totalWith = async (status: string) =>
    ((await (await call(`/api/v1/incidents?status=${status}`, { headers: writeKey })).json()) as any).data.pagination.total;
  const put = (change: Record<string, unknown>) => send("PUT", `/api/v1/incidents/${id}`, change, writeKey);

  beforeAll(async () => {
    const created = await postJson("/api/v1/incidents", { type: "brute_force", severity: "HIGH", description: "ssh" }, writeKey);
    expect(created.status).toBe(201);
    id = ((await created.json()) as any).data.incident.id;
  });

  it("leaves the incident row, its timeline and the list counts untouched; the retry applies once", async () => {
    const change = { status: "INVESTIGATING", severity: "CRITICAL" };
    const before = { row: await row(), timeline: await timeline(), open: await totalWith("OPEN") };
    const injected = [
      ["incident_timeline", "INSERT", `NEW.incident_id = ${lit(id)}`],
      ["incidents", "UPDATE", `NEW.id = ${lit(id)}`],
    ] as const;
    for (const [table, op, when] of injected) {
      const fault = await d1Fault(faults, "1b incident", table, op, when);
      try {
        await internalError(await put(change));
      } finally {
        await fault.drop();
      }
      expect(await row()).toEqual(before.row);
      expect(await timeline()).toBe(before.timeline);
      expect(await totalWith("OPEN")).toBe(before.open);
      expect(await totalWith("INVESTIGATING")).toBe(0);
      expect(await events("incident.updated")).toBe(0);
      faults.hit("1b incident", 6);
    }

    // The retry, and a second identical retry (a client that lost the first answer): one change.
    for (let i = 0; i < 2; i++) {
      const res = await put(change);
      expect(res.status).toBe(200);
      const incident = ((await res.json()) as any).data.incident;
      expect(incident.status).toBe("INVESTIGATING");
      const changed = incident.timeline.filter((t: { event: string }) => t.event === "Status changed");
      expect(changed.map((t: { details: string }) => t.details)).toEqual(["OPEN → INVESTIGATING"]);
    }
    expect(await timeline()).toBe(before.timeline + 2); // "Status changed" and "Severity changed", once
    expect(await totalWith("OPEN")).toBe(before.open - 1);
    expect(await totalWith("INVESTIGATING")).toBe(1);
    expect(await events("incident.updated")).toBe(1);
    faults.hit("1b incident", 8);
  });

  // The change commits before its `incident.updated` event is written; the event's id is derived
  // from the incident's version, so the client's retry (nothing left to change) writes the missing
  // event, and only that one.
  it("a change whose event write failed is announced once the client retries", async () => {
    const fault = await d1Fault(
      faults,
      "1b incident",
      "security_events",
      "INSERT",
      `NEW.tenant_id = ${lit(tenantId)} AND NEW.type = 'incident.updated'`,
    );
    try {
      await internalError(await put({ status: "REMEDIATING" }));
    } finally {
      await fault.drop();
    }
    for (let retry = 0; retry < 2; retry++) {
      expect((await put({ status: "REMEDIATING" })).status).toBe(200);
      expect(await events("incident.updated", `AND description LIKE '%(REMEDIATING)'`)).toBe(1);
    }
    faults.hit("1b incident", 2);
  });
});

describe("fault 1c: remediation execute (block_ip) fails on its inserts", () => {
  let incidentId: string;
  const ip = "203.0.113.7";
  const execute = (address = ip) =>
    postJson(
      "/api/v1/remediation/execute",
      { incident_id: incidentId, action: "block_ip", parameters: { ip_addresses: [address] } },
      writeKey,
    );
  const state = async () => ({
    blocks: await count("SELECT count(*) AS n FROM blocklist WHERE tenant_id = ?", tenantId),
    remediations: await count("SELECT count(*) AS n FROM remediations WHERE tenant_id = ? AND status != 'failed'", tenantId),
    failed: await count("SELECT count(*) AS n FROM remediations WHERE tenant_id = ? AND status = 'failed'", tenantId),
    executed: await count(
      "SELECT count(*) AS n FROM incident_timeline WHERE incident_id = ? AND event = 'Remediation executed'",
      incidentId,
    ),
    failedNotes: await count(
      "SELECT count(*) AS n FROM incident_timeline WHERE incident_id = ? AND event = 'Remediation failed'",
      incidentId,
    ),
    announced: await events("remediation.executed"),
  });
  const ingestFrom = (address: string) =>
    call("/api/v1/logs", {
      method: "POST",
      headers: { "Content-Type": "application/json", "CF-Connecting-IP": address, ...writeKey },
      body: JSON.stringify([{ message: "probe" }]),
    });

  beforeAll(async () => {
    const created = await postJson("/api/v1/incidents", { type: "intrusion", severity: "HIGH" }, writeKey);
    incidentId = ((await created.json()) as any).data.incident.id;
  });

  it("a failed remediation insert stores nothing at all", async () => {
    const fault = await d1Fault(faults, "1c remediation", "remediations", "INSERT", `NEW.tenant_id = ${lit(tenantId)}`);
    try {
      await internalError(await execute());
    } finally {
      await fault.drop();
    }
    expect(await state()).toEqual({ blocks: 0, remediations: 0, failed: 0, executed: 0, failedNotes: 0, announced: 0 });
    faults.hit("1c remediation", 2);
  });

  it("a failed blocklist insert blocks nothing and records the attempt as failed; the retry blocks once", async () => {
    const fault = await d1Fault(faults, "1c remediation", "blocklist", "INSERT", `NEW.tenant_id = ${lit(tenantId)}`);
    try {
      await internalError(await execute());
    } finally {
      await fault.drop();
    }
    // README "Remediation": an action's error leaves its row `failed` (never stuck `executing`).
    expect(await state()).toEqual({ blocks: 0, remediations: 0, failed: 1, executed: 0, failedNotes: 1, announced: 0 });
    expect((await ingestFrom(ip)).status).toBe(202);
    faults.hit("1c remediation", 2);

    const res = await execute();
    expect(res.status).toBe(201);
    expect(((await res.json()) as any).data.action).toMatchObject({ status: "completed", result: { blocked: [`${ip}/32`] } });
    expect(await state()).toEqual({ blocks: 1, remediations: 1, failed: 1, executed: 1, failedNotes: 1, announced: 1 });
    const list = ((await (await call("/api/v1/blocklist", { headers: writeKey })).json()) as any).data;
    expect(list.entries.map((e: { cidr: string }) => e.cidr)).toEqual([`${ip}/32`]);
    expect((await ingestFrom(ip)).status).toBe(403);
    faults.hit("1c remediation", 5);
  });

  const other = "198.51.100.9";

  // The note and event come after the effect; their failure is not the action's failure: the
  // client is told the action completed, and the queue writes the missing note and event once.
  it("a failure after the block is in force (its timeline note aborts) answers completed, and the note and event follow", async () => {
    const fault = await d1Fault(
      faults,
      "1c remediation",
      "incident_timeline",
      "INSERT",
      `NEW.incident_id = ${lit(incidentId)} AND NEW.event = 'Remediation executed'`,
    );
    let res: Response;
    try {
      res = await execute(other);
    } finally {
      await fault.drop();
    }
    expect(res.status).toBe(201);
    const action = ((await res.json()) as any).data.action;
    expect(action).toMatchObject({ status: "completed", result: { blocked: [`${other}/32`] } });
    const rows = await env.DB.prepare(
      "SELECT status FROM remediations WHERE tenant_id = ? AND json_extract(parameters, '$.ip_addresses[0]') = ?",
    )
      .bind(tenantId, other)
      .all<{ status: string }>();
    expect(rows.results.map((r) => r.status)).toEqual(["completed"]);
    expect(await count("SELECT count(*) AS n FROM blocklist WHERE tenant_id = ? AND cidr = ?", tenantId, `${other}/32`)).toBe(1);
    expect((await ingestFrom(other)).status).toBe(403);
    const noted = () =>
      count(
        "SELECT count(*) AS n FROM incident_timeline WHERE incident_id = ? AND event = 'Remediation executed' AND details LIKE ?",
        incidentId,
        `%${action.id}%`,
      );
    const announced = () =>
      count(
        "SELECT count(*) AS n FROM security_events WHERE tenant_id = ? AND type = 'remediation.executed' AND description LIKE ?",
        tenantId,
        `%${action.id}%`,
      );
    await eventually(async () => (await noted()) === 1 && (await announced()) === 1, 15_000);
    faults.hit("1c remediation", 6);
  });
});
