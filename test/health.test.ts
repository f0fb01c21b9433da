import { describe, expect, it } from "vitest";
import { call } from "./helpers";

describe("liveness and readiness", () => {
  it("GET /healthz answers ok", async () => {
    const res = await call("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("GET /readyz checks D1 and a Durable Object write", async () => {
    const first = await call("/readyz");
    expect(first.status).toBe(200);
    const body = (await first.json()) as { status: string; checks: Record<string, { ok: boolean }> };
    expect(body.status).toBe("ready");
    expect(body.checks.d1?.ok).toBe(true);
    expect(body.checks.durable_object?.ok).toBe(true);
  });
});
