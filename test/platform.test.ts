import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { buildApp } from "../functions/app";
import { call } from "./helpers";

describe("request ids", () => {
  it("echoes a well-formed X-Request-ID", async () => {
    const res = await call("/healthz", { headers: { "X-Request-ID": "client-trace_42" } });
    expect(res.headers.get("X-Request-Id")).toBe("client-trace_42");
  });

  it("generates one when absent", async () => {
    const a = await call("/healthz");
    const b = await call("/healthz");
    expect(a.headers.get("X-Request-Id")).toMatch(/^req_[0-9a-f]{32}$/);
    expect(a.headers.get("X-Request-Id")).not.toBe(b.headers.get("X-Request-Id"));
  });

  it("replaces ids that are too long or carry unsafe characters", async () => {
    for (const bad of ["x".repeat(129), "has spaces", "semi;colon", "<script>"]) {
      const res = await call("/healthz", { headers: { "X-Request-ID": bad } });
      expect(res.headers.get("X-Request-Id")).toMatch(/^req_[0-9a-f]{32}$/);
    }
  });

  it("puts the request id in error bodies too", async () => {
    const res = await call("/v3/nothing-here", { headers: { "X-Request-ID": "abc-123" } });
    expect(((await res.json()) as { request_id: string }).request_id).toBe("abc-123");
  });
});

describe("security headers", () => {
  it("are set on successes and errors alike", async () => {
    for (const res of [await call("/healthz"), await call("/api/v1/missing"), await call("/admin/tenants")]) {
      expect(res.headers.get("Strict-Transport-Security")).toBe("max-age=63072000; includeSubDomains");
      expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
      expect(res.headers.get("X-Frame-Options")).toBe("DENY");
      expect(res.headers.get("Cache-Control")).toBe("no-store");
    }
  });
});

describe("plain HTTP", () => {
  it("is rejected for non-loopback hosts, in the family's envelope", async () => {
    const res = await exports.default.fetch(new Request("http://vigil.example/api/v1/incidents"));
    expect(res.status).toBe(403);
    const body = (await res.json()) as { success: boolean; error: { code: string } };
    expect(body.success).toBe(false);
    expect(body.error.code).toBe("HTTPS_REQUIRED");
  });

  it("is rejected when a proxy reports the client used http", async () => {
    const res = await exports.default.fetch(
      new Request("https://vigil.example/healthz", { headers: { "X-Forwarded-Proto": "http" } }),
    );
    expect(res.status).toBe(403);
  });

  it("is allowed on localhost in development", async () => {
    for (const host of ["localhost:8787", "127.0.0.1:8787", "[::1]:8787"]) {
      const res = await exports.default.fetch(new Request(`http://${host}/healthz`));
      expect(res.status).toBe(200);
    }
  });

  it("is rejected even on localhost in production", async () => {
    const app = buildApp();
    const res = await app.request("http://localhost:8787/healthz", {}, { ...env, ENVIRONMENT: "production" });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe("https_required");
  });
});
