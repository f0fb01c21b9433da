import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../functions/index";
import { emitEvent } from "../functions/platform/events/emit";
import { jobMessage } from "../functions/platform/jobs";
import { createLogger } from "../functions/platform/log";
import { call, createApiKey, createTenant, eventually, postJson } from "./helpers";

const log = createLogger("error");

describe("node state follows events", () => {
  it("each critical event against a node's system moves it one step toward CRITICAL, once per event", async () => {
    const t = await createTenant("node-states");
    const ops = { "X-API-Key": (await createApiKey(t, { name: "ops", scopes: ["write"] })).key };
    await postJson("/api/mesh/nodes", { id: "sub-1", label: "substation-1", systemType: "grid", region: "eu" }, ops);
    const state = async () => ((await (await call("/api/mesh/nodes/sub-1", { headers: ops })).json()) as { state: string }).state;
    const critical = () =>
      emitEvent(
        env,
        {
          tenantId: t,
          source: "command",
          type: "command.threat.detected",
          severity: "critical",
          system: "substation-1",
          systemType: "grid",
          description: "x",
        },
        log,
      );

    await emitEvent(
      env,
      {
        tenantId: t,
        source: "command",
        type: "command.threat.detected",
        severity: "high",
        system: "substation-1",
        description: "x",
      },
      log,
    );
    const first = (await critical()).event;
    await eventually(async () => (await state()) === "WARNING");

    // A redelivered job for the same event does not move the node again.
    const batch = createMessageBatch("vigil-events", [
      { id: "again", timestamp: new Date(), attempts: 2, body: jobMessage("event.created", t, { eventId: first.id }) },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["again"]);
    expect(await state()).toBe("WARNING");

    await critical();
    await eventually(async () => (await state()) === "CRITICAL");
  });
});
