import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { emitEvent } from "../../functions/platform/events/emit";
import { jobMessage } from "../../functions/platform/jobs";
import { createLogger } from "../../functions/platform/log";
import { adminHeaders, call, createApiKey, createTenant, eventually, postJson, receiverInbox } from "../helpers";
import { count, d1Fault, deliverBatch, Faults, lit, sleep } from "./faults-helpers";

// Fault 2: a queue consumer that throws after its side effect is redelivered without repeating
// the effect. Fault 5: a webhook receiver down for the whole retry schedule ends dead-lettered
// with every attempt logged. Batches are driven through the Worker's real queue handler; what
// they enqueue runs on the real local queues.
const faults = new Faults("Fault injection: queue consumers and webhook receivers");
afterAll(() => console.log(faults.summary()));

const log = createLogger("error");
let tenantId: string;
let writeKey: Record<string, string>;

beforeAll(async () => {
  tenantId = await createTenant(`faults-queues-${crypto.randomUUID().slice(0, 8)}`);
  writeKey = { "X-API-Key": (await createApiKey(tenantId, { name: "ops", scopes: ["write"] })).key };
  vi.spyOn(console, "warn").mockImplementation(() => undefined);
  vi.spyOn(console, "error").mockImplementation(() => undefined);
});
afterAll(() => vi.restoreAllMocks());

const rand = () => crypto.randomUUID().replaceAll("-", "").slice(0, 12);
type Received = { headers: Record<string, string>; body: string };

async function subscribe(url: string, events: string[], retry_policy?: object): Promise<string> {
  const res = await postJson("/api/v1/webhooks", { url, events, ...(retry_policy ? { retry_policy } : {}) }, writeKey);
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { data: { id: string } }).data.id;
}

const deliveryDetail = async (id: string) =>
  ((await (await call(`/api/v1/webhooks/deliveries/${id}`, { headers: writeKey })).json()) as { data: any }).data;
const deliveriesOf = async (hookId: string) =>
  ((await (await call(`/api/v1/webhooks/${hookId}/deliveries`, { headers: writeKey })).json()) as { data: any }).data
    .deliveries as { id: string; status: string; attempts: number }[];

/** A stored pipeline event, written as emitEvent writes it but without enqueueing it: the test drives its job. */
async function storeEvent(e: { type: string; severity: string; system: string; occurredAt: number }): Promise<string> {
  const id = `evt_${rand()}`;
  await env.DB.prepare(
    "INSERT INTO security_events (id, tenant_id, occurred_at, source, type, severity, system, system_type, description, details) VALUES (?, ?, ?, 'quantum', ?, ?, ?, 'grid', ?, '{}')",
  )
    .bind(id, tenantId, e.occurredAt, e.type, e.severity, e.system, `${e.type} against ${e.system}`)
    .run();
  return id;
}

const retried = (r: { retryMessages: { msgId: string }[] }) => r.retryMessages.map((m) => m.msgId);

describe("fault 2a: the event job throws after correlating (the node-state write aborts)", () => {
  it("redelivered twice: one correlation, the node moved one step, one webhook delivery, one request received", async () => {
    const nodeId = `grid-${rand()}`;
    const node = await postJson(
      "/api/mesh/nodes",
      { id: nodeId, label: "Substation", systemType: "grid", region: "eu" },
      writeKey,
    );
    expect(node.status).toBe(201);
    const inbox = await receiverInbox();
    const hookId = await subscribe(inbox.url, ["quantum.attack.detected"]);
    const now = Date.now();
    await storeEvent({ type: "quantum.attack.detected", severity: "high", system: "relay-2", occurredAt: now - 60_000 });
    const eventId = await storeEvent({ type: "quantum.attack.detected", severity: "critical", system: nodeId, occurredAt: now });
    const message = { id: `msg-${rand()}`, body: jobMessage("event.created", tenantId, { eventId }) };
    const observed = async () => ({
      correlations: await count("SELECT count(*) AS n FROM correlations WHERE trigger_event_id = ?", eventId),
      announced: await count(
        "SELECT count(*) AS n FROM security_events WHERE tenant_id = ? AND type = 'command.correlation.created'",
        tenantId,
      ),
      state: (await env.DB.prepare("SELECT state FROM mesh_nodes WHERE tenant_id = ? AND id = ?")
        .bind(tenantId, nodeId)
        .first<{ state: string }>())!.state,
      deliveries: await count("SELECT count(*) AS n FROM webhook_deliveries WHERE event_id = ?", eventId),
    });

    const fault = await d1Fault(faults, "2a event job", "mesh_nodes", "UPDATE", `NEW.tenant_id = ${lit(tenantId)}`);
    let first;
    try {
      first = await deliverBatch("vigil-events", [message]);
    } finally {
      await fault.drop();
    }
    expect(retried(first)).toEqual([message.id]);
    expect(first.explicitAcks).toEqual([]);
    // What ran before the fault is in (the webhook fan-out and the correlation, with its event); the node is not.
    expect(await observed()).toEqual({ correlations: 1, announced: 1, state: "NOMINAL", deliveries: 1 });
    faults.hit("2a event job", 3);

    for (let redelivery = 0; redelivery < 2; redelivery++) {
      const again = await deliverBatch("vigil-events", [{ ...message, attempts: 2 + redelivery }]);
      expect(again.explicitAcks).toEqual([message.id]);
      expect(await observed()).toEqual({ correlations: 1, announced: 1, state: "WARNING", deliveries: 1 });
      faults.hit("2a event job", 2);
    }
    await eventually(async () => (await inbox.requests()).length >= 1, 15_000);
    await sleep(1000);
    const got = await inbox.requests();
    expect(got).toHaveLength(1);
    expect(JSON.parse(got[0]!.body)).toMatchObject({ event: "quantum.attack.detected", data: { event_id: eventId } });
    expect((await deliveriesOf(hookId)).map((d) => d.status)).toEqual(["succeeded"]);
    faults.hit("2a event job", 3);
  });
});

describe("fault 2b: a rule's job throws mid-firing", () => {
  const rule = async (name: string) => {
    const res = await postJson(
      "/api/v1/rules",
      {
        name,
        type: "detection",
        severity: "HIGH",
        enabled: true,
        conditions: { query: `SELECT * FROM logs WHERE jsonPayload.message LIKE '%${name}%'`, group_by: "src_ip" },
      },
      writeKey,
    );
    expect(res.status, await res.clone().text()).toBe(201);
    return ((await res.json()) as { data: { rule: { id: string } } }).data.rule.id;
  };
  /** Logs stored as POST /api/v1/logs stores them; the job that evaluates them is driven by the test. */
  const logsJob = async (name: string, ip: string) => {
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const row = await env.DB.prepare("INSERT INTO logs (tenant_id, received_at, payload) VALUES (?, ?, ?) RETURNING id")
        .bind(tenantId, Date.now(), JSON.stringify({ jsonPayload: { message: `${name} for root`, src_ip: ip } }))
        .first<{ id: number }>();
      ids.push(row!.id);
    }
    return { id: `msg-${rand()}`, body: jobMessage("logs.evaluate", tenantId, { fromId: ids[0], toId: ids[2] }) };
  };
  const ofRule = async (ruleId: string) => ({
    incidents: await count(
      "SELECT count(*) AS n FROM incidents WHERE tenant_id = ? AND dedup_key LIKE ?",
      tenantId,
      `rule:${ruleId}:%`,
    ),
    occurrences: await count(
      "SELECT coalesce(sum(occurrences), 0) AS n FROM incidents WHERE tenant_id = ? AND dedup_key LIKE ?",
      tenantId,
      `rule:${ruleId}:%`,
    ),
    triggered: await count(
      "SELECT count(*) AS n FROM security_events WHERE tenant_id = ? AND type = 'rule.triggered' AND json_extract(details, '$.rule_id') = ?",
      tenantId,
      ruleId,
    ),
    firings: await count("SELECT count(*) AS n FROM rule_firings WHERE rule_id = ?", ruleId),
    matches: await count("SELECT count(*) AS n FROM rule_matches WHERE rule_id = ?", ruleId),
  });
  const created = (incidentNumber: string) =>
    count(
      "SELECT count(*) AS n FROM security_events WHERE tenant_id = ? AND type = 'incident.created' AND system = ?",
      tenantId,
      incidentNumber,
    );

  let announcedRule: string;
  let unopenedRule: string;

  it("after the incident is open (its incident.created write aborts), redeliveries open no second incident", async () => {
    announcedRule = await rule("FaultAnnounce");
    const message = await logsJob("FaultAnnounce", "198.51.100.23");
    const fault = await d1Fault(
      faults,
      "2b rule job",
      "security_events",
      "INSERT",
      `NEW.tenant_id = ${lit(tenantId)} AND NEW.type = 'incident.created'`,
    );
    try {
      expect(retried(await deliverBatch("vigil-events", [message]))).toEqual([message.id]);
    } finally {
      await fault.drop();
    }
    const expected = { incidents: 1, occurrences: 1, triggered: 1, firings: 1, matches: 3 };
    expect(await ofRule(announcedRule)).toEqual(expected);
    for (let redelivery = 0; redelivery < 2; redelivery++) {
      expect((await deliverBatch("vigil-events", [{ ...message, attempts: 2 + redelivery }])).explicitAcks).toEqual([message.id]);
      expect(await ofRule(announcedRule)).toEqual(expected);
    }
    faults.hit("2b rule job", 6);
  });

  // The firing is claimed (rule_firings) before the incident is announced and stays unfinished
  // until its last step, so the redelivery resumes it: the incident it recorded is announced.
  it("the redelivered job announces the incident it opened", async () => {
    const row = await env.DB.prepare("SELECT number FROM incidents WHERE tenant_id = ? AND dedup_key LIKE ?")
      .bind(tenantId, `rule:${announcedRule}:%`)
      .first<{ number: string }>();
    faults.hit("2b rule job");
    expect(await created(row!.number)).toBe(1);
  });

  it("before the incident is open (its insert aborts), the job retries and redeliveries trigger the rule only once", async () => {
    unopenedRule = await rule("FaultUnopened");
    const message = await logsJob("FaultUnopened", "198.51.100.24");
    const fault = await d1Fault(
      faults,
      "2b rule job",
      "incidents",
      "INSERT",
      `NEW.tenant_id = ${lit(tenantId)} AND NEW.dedup_key LIKE ${lit(`rule:${unopenedRule}:%`)}`,
    );
    try {
      expect(retried(await deliverBatch("vigil-events", [message]))).toEqual([message.id]);
    } finally {
      await fault.drop();
    }
    expect(await ofRule(unopenedRule)).toMatchObject({ incidents: 0, triggered: 1, firings: 1 });
    expect((await deliverBatch("vigil-events", [{ ...message, attempts: 2 }])).explicitAcks).toEqual([message.id]);
    expect(await ofRule(unopenedRule)).toMatchObject({ triggered: 1, firings: 1, matches: 3 });
    faults.hit("2b rule job", 4);
  });

  // The same resumption when the incident itself was never opened: a transient D1 error while a
  // rule fires does not lose the detection.
  it("the redelivered job opens the incident whose insert failed", async () => {
    faults.hit("2b rule job");
    expect((await ofRule(unopenedRule)).incidents).toBe(1);
  });
});

describe("fault 2c: the delivery consumer throws after the receiver got the POST (the attempt-log write aborts)", () => {
  it("the retry re-sends with the same webhook-id, the delivery settles once, and duplicate messages send nothing", async () => {
    const inbox = await receiverInbox();
    const hookId = await subscribe(inbox.url, ["command.executed"], {
      max_attempts: 3,
      backoff_multiplier: 1,
      max_backoff_seconds: 0,
    });
    const fault = await d1Fault(
      faults,
      "2c delivery job",
      "webhook_attempts",
      "INSERT",
      `NEW.tenant_id = ${lit(tenantId)} AND NEW.attempt = 1`,
    );
    let got: Received[] = [];
    try {
      await emitEvent(env, { tenantId, source: "command", type: "command.executed", severity: "high", description: "2c" }, log);
      await eventually(async () => (got = await inbox.requests()).length >= 2, 20_000);
    } finally {
      await fault.drop();
    }
    const [delivery, ...others] = await deliveriesOf(hookId);
    expect(others).toEqual([]);
    await eventually(async () => (await deliveryDetail(delivery!.id)).status === "succeeded");
    // At least once, deduplicable: every request names the one delivery.
    expect(got.map((r) => r.headers["webhook-id"])).toEqual([delivery!.id, delivery!.id]);
    expect(got.map((r) => JSON.parse(r.body).metadata.delivery_attempt)).toEqual([1, 2]);
    const detail = await deliveryDetail(delivery!.id);
    expect(detail.attempts).toBe(2);
    // The first attempt's log row was the write that failed; the second is recorded.
    expect(detail.attempt_log.map((a: { attempt: number; status_code: number }) => [a.attempt, a.status_code])).toEqual([
      [2, 200],
    ]);
    faults.hit("2c delivery job", 5);

    const duplicate = (id: string) => ({ id, body: jobMessage("webhook.deliver", tenantId, { deliveryId: delivery!.id }) });
    for (let i = 0; i < 2; i++) {
      const res = await deliverBatch("vigil-webhooks", [duplicate(`dup-a-${i}`), duplicate(`dup-b-${i}`)]);
      expect(res.explicitAcks.sort()).toEqual([`dup-a-${i}`, `dup-b-${i}`]);
    }
    await sleep(500);
    expect(await inbox.requests()).toHaveLength(2);
    expect((await deliveryDetail(delivery!.id)).attempts).toBe(2);
    faults.hit("2c delivery job", 4);
  });
});

describe("fault 5: a webhook receiver down for the whole retry schedule", () => {
  it("ends failed and dead-lettered after max_attempts, with every attempt and its error logged", async () => {
    // Nothing listens on the discard port: every attempt is refused at connect.
    const hookId = await subscribe("http://127.0.0.1:9/hooks/down", ["command.executed"], {
      max_attempts: 4,
      backoff_multiplier: 1,
      max_backoff_seconds: 0,
    });
    faults.fault("5 receiver down");
    await emitEvent(env, { tenantId, source: "command", type: "command.executed", severity: "high", description: "5" }, log);
    let deliveries: { id: string; status: string }[] = [];
    await eventually(async () => (deliveries = await deliveriesOf(hookId)).some((d) => d.status === "failed"), 25_000);
    expect(deliveries).toHaveLength(1);
    const id = deliveries[0]!.id;
    const detail = await deliveryDetail(id);
    expect(detail).toMatchObject({ status: "failed", attempts: 4, last_status_code: null });
    expect(detail.completed_at).not.toBeNull();
    const attempts = detail.attempt_log as {
      attempt: number;
      status_code: number | null;
      error: string | null;
      retry_in_seconds: number | null;
    }[];
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    expect(attempts.every((a) => a.status_code === null && typeof a.error === "string" && a.error.length > 0)).toBe(true);
    expect(attempts.map((a) => a.retry_in_seconds)).toEqual([0, 0, 0, null]);
    faults.hit("5 receiver down", 5);

    const dead = await env.DB.prepare("SELECT queue, kind, tenant_id, reason, attempts FROM dead_letters WHERE message_id = ?")
      .bind(`delivery:${id}`)
      .all<Record<string, unknown>>();
    expect(dead.results).toHaveLength(1);
    expect(dead.results[0]).toMatchObject({ queue: "vigil-webhooks", kind: "webhook.deliver", tenant_id: tenantId, attempts: 4 });
    expect(String(dead.results[0]!.reason)).toMatch(/failed after 4 attempts/);
    const listed = (await (
      await call("/admin/dead-letters?queue=vigil-webhooks&limit=100", { headers: adminHeaders })
    ).json()) as {
      dead_letters: { message_id: string }[];
    };
    expect(listed.dead_letters.map((d) => d.message_id)).toContain(`delivery:${id}`);
    const hook = ((await (await call(`/api/v1/webhooks/${hookId}`, { headers: writeKey })).json()) as { data: any }).data;
    expect(hook.health).toMatchObject({ consecutive_failures: 4, disabled_at: null });
    await sleep(1500);
    expect((await deliveryDetail(id)).attempts).toBe(4);
    faults.hit("5 receiver down", 6);
  });
});
