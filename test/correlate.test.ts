import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { correlate } from "../functions/command/correlation";
import { emitEvent } from "../functions/platform/events/emit";
import type { NewEvent, SecurityEvent } from "../functions/platform/events/model";
import { createLogger } from "../functions/platform/log";
import { createApiKey, createTenant, postJson } from "./helpers";

const log = createLogger("error");
let tenantId: string;
let ops: Record<string, string>;
beforeAll(async () => {
  tenantId = await createTenant("correlate-co");
  ops = { "X-API-Key": (await createApiKey(tenantId, { name: "ops", scopes: ["write"] })).key };
  await postJson("/api/mesh/nodes", { id: "grid-north-01", label: "substation-7", systemType: "grid", region: "eu" }, ops);
});

const emit = async (over: Partial<NewEvent>) =>
  (
    await emitEvent(
      env,
      { tenantId, source: "command", type: "command.threat.detected", severity: "low", description: "x", ...over },
      log,
    )
  ).event;

type Result = {
  id: string;
  eventIds: string[];
  threatVector: string;
  certainty: number;
  recommendation: string;
  factors: { name: string; score: number }[];
};

describe("POST /api/correlate", () => {
  it("scores related events well above unrelated ones, names the vector, and recommends a concrete command", async () => {
    const t0 = 1_700_000_000_000;
    const related = [
      await emit({
        occurredAt: t0,
        severity: "low",
        country: "Russia",
        countryCode: "RU",
        systemType: "grid",
        system: "substation-7",
      }),
      await emit({
        occurredAt: t0 + 60_000,
        severity: "medium",
        country: "Russia",
        countryCode: "RU",
        systemType: "grid",
        system: "substation-7",
      }),
      await emit({
        occurredAt: t0 + 120_000,
        severity: "critical",
        country: "Russia",
        countryCode: "RU",
        systemType: "grid",
        system: "substation-7",
      }),
    ];
    const unrelated = [
      await emit({ occurredAt: t0, severity: "high", country: "Brazil", countryCode: "BR", systemType: "comms" }),
      await emit({ occurredAt: t0 + 3 * 3_600_000, severity: "low", country: "Vietnam", countryCode: "VN", systemType: "lng" }),
      await emit({
        occurredAt: t0 + 7 * 3_600_000,
        severity: "low",
        country: "Germany",
        countryCode: "DE",
        systemType: "access",
      }),
    ];
    const a = (await (await postJson("/api/correlate", { eventIds: related.map((e) => e.id) }, ops)).json()) as Result;
    const b = (await (await postJson("/api/correlate", { eventIds: unrelated.map((e) => e.id) }, ops)).json()) as Result;
    expect(a.threatVector).toBe("coordinated grid intrusion from Russia");
    expect(a.certainty).toBeGreaterThan(80);
    expect(b.certainty).toBeLessThan(30);
    expect(b.threatVector).toBe("uncoordinated activity");
    expect(a.recommendation).toMatch(/^Isolate node grid-north-01 \(POST \/api\/isolate-node\)/);
    expect(a.factors.map((f) => f.name)).toEqual(["temporal_proximity", "shared_origin", "shared_target", "severity_escalation"]);
    const stored = await env.DB.prepare("SELECT certainty FROM correlations WHERE id = ?")
      .bind(a.id)
      .first<{ certainty: number }>();
    expect(stored?.certainty).toBe(a.certainty);
  });

  it("404s unknown and foreign ids, naming them; 400s one id or more than 500", async () => {
    const mine = await emit({});
    const other = await createTenant("correlate-other");
    const theirs = (
      await emitEvent(
        env,
        { tenantId: other, source: "command", type: "command.threat.detected", severity: "low", description: "x" },
        log,
      )
    ).event;
    const res = await postJson("/api/correlate", { eventIds: [mine.id, theirs.id, "evt_nope12345"] }, ops);
    expect(res.status).toBe(404);
    const error = ((await res.json()) as { error: string }).error;
    expect(error).toContain(theirs.id);
    expect(error).toContain("evt_nope12345");
    expect(error).not.toContain(mine.id);
    expect((await postJson("/api/correlate", { eventIds: [mine.id] }, ops)).status).toBe(400);
    expect((await postJson("/api/correlate", { eventIds: Array.from({ length: 501 }, (_, i) => `evt_${i}`) }, ops)).status).toBe(
      400,
    );
  });
});

describe("POST /api/correlate at the upper bound", () => {
  it("correlates 500 events (D1 binds at most 100 parameters per statement: the read is chunked)", async () => {
    const t0 = 1_710_000_000_000;
    const ids: string[] = [];
    for (let i = 0; i < 500; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          emit({ occurredAt: t0 + (i + j) * 1000, country: "Iran", countryCode: "IR", systemType: "lng" }),
        ),
      );
      ids.push(...batch.map((e) => e.id));
    }
    const res = await postJson("/api/correlate", { eventIds: ids }, ops);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { eventIds: string[]; threatVector: string };
    expect(body.eventIds).toHaveLength(500);
    expect(body.threatVector).toBe("coordinated lng intrusion from Iran");
  });
});

describe("correlate() scaling", () => {
  it("handles 10,000 events in one pass", () => {
    const events = Array.from({ length: 10_000 }, (_, i) => ({
      id: `evt_${i}`,
      tenantId: "t",
      occurredAt: i * 1000,
      source: "command",
      type: "x.y",
      severity: "low",
      country: "Russia",
      countryCode: "RU",
      system: "s",
      systemType: "grid",
      description: "d",
      details: {},
      createdAt: 0,
    })) as SecurityEvent[];
    const result = correlate(events);
    expect(result.factors.find((f) => f.name === "shared_origin")?.score).toBe(1);
  });

  it("does not depend on input order, and reads escalation in time order", () => {
    const at = (occurredAt: number, severity: string, country: string) =>
      ({
        id: `e${occurredAt}`,
        occurredAt,
        severity,
        country,
        countryCode: country.slice(0, 2).toUpperCase(),
        system: "s",
        systemType: "grid",
      }) as SecurityEvent;
    // Two origins tie 2–2: the alphabetically first names the vector whatever the input order.
    const events = [
      at(4000, "critical", "Russia"),
      at(1000, "low", "Russia"),
      at(3000, "high", "China"),
      at(2000, "medium", "China"),
    ];
    const forward = correlate(events);
    expect(correlate([...events].reverse())).toEqual(forward);
    expect(forward.origin?.country).toBe("China");
    const escalation = forward.factors.find((f) => f.name === "severity_escalation")!;
    expect(escalation.score).toBe(1);
    expect(escalation.evidence).toBe("3 of 3 steps held or raised severity; low → critical");
    expect(forward.maxSeverity).toBe("critical");
  });
});

describe("automatic correlation on the EVENTS queue", () => {
  it("correlates a new critical event with recent related ones, once per trigger even when redelivered", async () => {
    const { createExecutionContext, createMessageBatch, getQueueResult } = await import("cloudflare:test");
    const { default: worker } = await import("../functions/index");
    const { jobMessage } = await import("../functions/platform/jobs");
    const { eventually } = await import("./helpers");
    const t = await createTenant("auto-correlate");
    const at = Date.now();
    const base = {
      tenantId: t,
      source: "command",
      type: "command.threat.detected",
      description: "x",
      country: "Iran",
      countryCode: "IR",
      systemType: "lng",
    } as const;
    const first = (await emitEvent(env, { ...base, severity: "medium", occurredAt: at - 60_000 }, log)).event;
    const trigger = (await emitEvent(env, { ...base, severity: "critical", occurredAt: at }, log)).event;
    const stored = () =>
      env.DB.prepare("SELECT event_ids, threat_vector FROM correlations WHERE tenant_id = ? AND trigger_event_id = ?")
        .bind(t, trigger.id)
        .all<{ event_ids: string; threat_vector: string }>();
    await eventually(async () => (await stored()).results.length === 1);
    const row = (await stored()).results[0]!;
    expect(JSON.parse(row.event_ids).sort()).toEqual([first.id, trigger.id].sort());
    expect(row.threat_vector).toBe("coordinated lng intrusion from Iran");

    const batch = createMessageBatch("vigil-events", [
      { id: "redelivered", timestamp: new Date(), attempts: 2, body: jobMessage("event.created", t, { eventId: trigger.id }) },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["redelivered"]);
    expect((await stored()).results).toHaveLength(1);
  });
});
