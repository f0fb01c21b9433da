import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../functions/index";
import { jobMessage, registerJob, retryDelaySeconds } from "../functions/platform/jobs";
import { adminHeaders, call } from "./helpers";

const received: unknown[] = [];
registerJob("test.record", async (payload) => void received.push(payload));
registerJob("test.fail", async () => {
  throw new Error("receiver unavailable");
});

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

const deadLetter = (messageId: string) =>
  env.DB.prepare("SELECT * FROM dead_letters WHERE message_id = ?").bind(messageId).first<Record<string, unknown>>();

async function runBatch(queue: string, messages: { id: string; body: unknown; attempts: number }[]) {
  const batch = createMessageBatch(
    queue,
    messages.map((m) => ({ ...m, timestamp: new Date() })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  return getQueueResult(batch, ctx);
}

describe("job queues", () => {
  it("delivers a job through the real EVENTS queue to its handler", async () => {
    const marker = crypto.randomUUID();
    await env.EVENTS.send(jobMessage("test.record", null, { marker }));
    const got = await eventually(async () => received.find((p) => (p as { marker: string }).marker === marker));
    expect(got).toEqual({ marker });
  });

  it("dead-letters a job of unknown kind sent through the real WEBHOOKS queue", async () => {
    const marker = crypto.randomUUID();
    await env.WEBHOOKS.send(jobMessage("no.such.kind", "ten_x", { marker }));
    const row = await eventually(
      async () =>
        (await env.DB.prepare("SELECT * FROM dead_letters WHERE body LIKE ?")
          .bind(`%${marker}%`)
          .first<Record<string, unknown>>()) ?? undefined,
    );
    expect(row).toMatchObject({ queue: "vigil-webhooks", kind: "no.such.kind", tenant_id: "ten_x" });
    expect(row.reason).toContain("no handler");
  });

  it("retries a failing handler with exponential backoff", async () => {
    const result = await runBatch("vigil-events", [
      { id: "m-1", body: jobMessage("test.fail", null, {}), attempts: 1 },
      { id: "m-4", body: jobMessage("test.fail", null, {}), attempts: 4 },
      { id: "m-20", body: jobMessage("test.fail", null, {}), attempts: 20 },
    ]);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(["m-1", "m-4", "m-20"]);
    // The queue's result does not expose the delay, so the schedule is checked directly.
    expect([1, 2, 3, 4, 9, 20].map(retryDelaySeconds)).toEqual([1, 2, 4, 8, 256, 300]);
  });

  it("dead-letters malformed messages at once instead of retrying them", async () => {
    const result = await runBatch("vigil-events", [{ id: "bad-shape", body: { hello: "world" }, attempts: 1 }]);
    expect(result.explicitAcks).toEqual(["bad-shape"]);
    expect((await deadLetter("bad-shape"))?.reason).toBe("malformed job message");
  });

  it("records each message reaching a DLQ exactly once, even when redelivered", async () => {
    const body = jobMessage("test.fail", "ten_y", { n: 1 });
    await runBatch("vigil-events-dlq", [{ id: "dead-1", body, attempts: 6 }]);
    await runBatch("vigil-events-dlq", [{ id: "dead-1", body, attempts: 6 }]);
    const rows = await env.DB.prepare("SELECT * FROM dead_letters WHERE message_id = 'dead-1'").all();
    expect(rows.results).toHaveLength(1);
    expect(rows.results[0]).toMatchObject({
      queue: "vigil-events-dlq",
      kind: "test.fail",
      reason: "retries exhausted",
      attempts: 6,
    });

    const listed = (await (await call("/admin/dead-letters?queue=vigil-events-dlq", { headers: adminHeaders })).json()) as {
      dead_letters: { message_id: string; body: unknown }[];
    };
    expect(listed.dead_letters.find((d) => d.message_id === "dead-1")?.body).toEqual(body);
  });

  it("validates dead-letter list parameters", async () => {
    const res = await call("/admin/dead-letters?limit=0", { headers: adminHeaders });
    expect(res.status).toBe(400);
  });
});
