import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../functions/index";
import { RETENTION } from "../functions/platform/maintenance";
import { createTenant } from "./helpers";

const DAY = 86_400_000;

async function insertAudit(n: number, createdAt: number, tag: string) {
  const stmt = env.DB.prepare(
    "INSERT INTO audit_log (id, tenant_id, actor, action, request_id, created_at) VALUES (?, NULL, 'test', ?, 'req', ?)",
  );
  const rows = Array.from({ length: n }, (_, i) => stmt.bind(`aud_${tag}_${i}`, tag, createdAt));
  for (let i = 0; i < rows.length; i += 100) await env.DB.batch(rows.slice(i, i + 100));
}

const countAction = async (action: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE action = ?").bind(action).first<{ n: number }>())!.n;

describe("cron maintenance", () => {
  it("deletes rows past retention in bounded batches and keeps the rest", async () => {
    const now = Date.now();
    await insertAudit(RETENTION.batch * 2 + 7, now - (RETENTION.auditLogDays + 1) * DAY, "old");
    await insertAudit(5, now - (RETENTION.auditLogDays - 1) * DAY, "recent");
    await env.DB.prepare(
      "INSERT INTO dead_letters (id, queue, message_id, reason, attempts, body, created_at) VALUES ('dlq_old', 'q', 'm-old', 'r', 1, '{}', ?), ('dlq_new', 'q', 'm-new', 'r', 1, '{}', ?)",
    )
      .bind(now - (RETENTION.deadLetterDays + 1) * DAY, now)
      .run();

    const tenant = { id: await createTenant("maintenance") };
    await env.DB.prepare(
      "INSERT INTO logs (tenant_id, received_at, payload) VALUES (?, ?, '{\"old\":true}'), (?, ?, '{\"old\":false}')",
    )
      .bind(tenant.id, now - (RETENTION.logDays + 1) * DAY, tenant.id, now)
      .run();

    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: new Date(now), cron: "*/5 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);

    expect(await countAction("old")).toBe(0);
    expect(await countAction("recent")).toBe(5);
    const letters = await env.DB.prepare("SELECT id FROM dead_letters ORDER BY id").all<{ id: string }>();
    expect(letters.results.map((r) => r.id)).toEqual(["dlq_new"]);
    const kept = await env.DB.prepare("SELECT payload FROM logs WHERE tenant_id = ?").bind(tenant.id).all<{ payload: string }>();
    expect(kept.results.map((r) => r.payload)).toEqual(['{"old":false}']);
  });
});
