import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "./errors";
import { describeError, type Logger } from "./log";
import { problemResponses } from "./openapi";
import { createRouter } from "./router";

const CheckSchema = z.object({ ok: z.boolean(), ms: z.number() });

const healthz = createRoute({
  method: "get",
  path: "/healthz",
  operationId: "healthz",
  summary: "Liveness: the Worker answers (no I/O)",
  tags: ["Platform"],
  security: [],
  responses: {
    200: { description: "Alive", content: { "application/json": { schema: z.object({ status: z.literal("ok") }) } } },
    ...problemResponses(403),
  },
});

const readyz = createRoute({
  method: "get",
  path: "/readyz",
  operationId: "readyz",
  summary: "Readiness: D1 answers a query and a Durable Object persists a write",
  tags: ["Platform"],
  security: [],
  responses: {
    200: {
      description: "Ready",
      content: {
        "application/json": {
          schema: z.object({ status: z.literal("ready"), checks: z.object({ d1: CheckSchema, durable_object: CheckSchema }) }),
        },
      },
    },
    ...problemResponses(403, 503),
  },
});

export interface Check {
  ok: boolean;
  ms: number;
}

/**
 * Runs one dependency check, failing it after `timeoutMs` (its signal aborts the work). The
 * failure's text goes to the log only: health answers must not describe internals.
 */
export async function timedCheck(
  name: string,
  log: Logger,
  run: (signal: AbortSignal) => Promise<unknown>,
  timeoutMs = 5_000,
): Promise<Check> {
  const started = Date.now();
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    await Promise.race([run(controller.signal), timeout]);
    return { ok: true, ms: Date.now() - started };
  } catch (err) {
    log.error("health check failed", { check: name, error: describeError(err) });
    return { ok: false, ms: Date.now() - started };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

export function healthRoutes() {
  return createRouter()
    .openapi(healthz, (c) => c.json({ status: "ok" as const }, 200))
    .openapi(readyz, async (c) => {
      const log = c.get("log");
      const [d1, durable_object] = await Promise.all([
        timedCheck("d1", log, () => c.env.DB.prepare("SELECT 1 AS one").first()),
        timedCheck("durable_object", log, () => c.env.TENANT_HUB.getByName("readiness-probe").probe()),
      ]);
      if (!d1.ok || !durable_object.ok) {
        throw new ApiError("service_unavailable", "Not ready", { checks: { d1, durable_object } });
      }
      return c.json({ status: "ready" as const, checks: { d1, durable_object } }, 200);
    });
}
