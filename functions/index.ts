import { buildApp } from "./app";
// Registers the pipeline's queue job (event.created) and its subscribers before any batch arrives.
import "./platform/events/subscribers";
import "./command/auto-correlate";
import "./command/node-states";
import "./webhooks/fanout";
import "./webhooks/deliver";
import "./incidents/rules/evaluate";
import "./incidents/analysis/job";
import "./incidents/remediation/record";
import "./incidents/notifications/deliver";
import { database } from "./platform/db";
import { consumeBatch } from "./platform/jobs";
import { createLogger, parseLogLevel } from "./platform/log";
import { runMaintenance } from "./platform/maintenance";
import { runRemediationExpiry } from "./incidents/remediation/expiry";

export { ConnectionSlots } from "../durable-objects/connection-slots";
export { ConsensusCluster } from "../durable-objects/consensus-cluster";
export { FragmentVault } from "../durable-objects/fragment-vault";
export { MachineState } from "../durable-objects/machine-state";
export { RateLimiter } from "../durable-objects/rate-limiter";
export { ReplayGuard } from "../durable-objects/replay-guard";
export { TenantHub } from "../durable-objects/tenant-hub";

const app = buildApp();

export default {
  fetch: app.fetch,

  async queue(batch, env) {
    await consumeBatch(batch, env, createLogger(parseLogLevel(env.LOG_LEVEL), { queue: batch.queue }));
  },

  async scheduled(controller, env, ctx) {
    const log = createLogger(parseLogLevel(env.LOG_LEVEL), { cron: controller.cron });
    ctx.waitUntil(runMaintenance(database(env.DB), controller.scheduledTime, log));
    ctx.waitUntil(runRemediationExpiry(env, controller.scheduledTime, log));
  },
} satisfies ExportedHandler<Env, unknown>;
