import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { buildApp } from "../functions/app";
import { call } from "./helpers";

describe("liveness and readiness", () => {
  afterEach(() => vi.restoreAllMocks());

  it("GET /healthz answers ok", async () => {
    const res = await call("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("GET /readyz checks D1 and a Durable Object write", async () => {
    const first = (await (await call("/readyz")).json()) as { status: string; checks: Record<string, { ok: boolean }> };
    expect(first.status).toBe("ready");
    expect(first.checks.d1?.ok).toBe(true);
    expect(first.checks.durable_object?.ok).toBe(true);
    const probes = await env.TENANT_HUB.getByName("readiness-probe").probe();
    await call("/readyz");
    expect((await env.TENANT_HUB.getByName("readiness-probe").probe()).probes).toBe(probes.probes + 2);
  });

  it("GET /readyz is 503 naming the failed check when D1 is down", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void lines.push(String(line)));
    const downDb = {
      prepare: () => {
        throw new Error("D1_ERROR: database unavailable");
      },
    } as unknown as D1Database;
    const res = await buildApp().request("https://vigil.test/readyz", {}, { ...env, DB: downDb });
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(text).not.toContain("D1_ERROR");
    const body = JSON.parse(text) as { code: string; details: { checks: Record<string, { ok: boolean }> } };
    expect(body.code).toBe("service_unavailable");
    expect(body.details.checks.d1?.ok).toBe(false);
    expect(lines.some((l) => l.includes("health check failed") && l.includes("D1_ERROR"))).toBe(true);
    expect(body.details.checks.durable_object?.ok).toBe(true);
  });
});
