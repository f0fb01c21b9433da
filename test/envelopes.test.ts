import { createRoute, z } from "@hono/zod-openapi";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { buildApp } from "../functions/app";
import { MAX_BODY_BYTES } from "../functions/platform/middleware";
import { BASE, call } from "./helpers";

/**
 * Each family gets a probe route on a fresh copy of the real app (same middleware, same
 * error handler), so every envelope is checked before the families' own routes exist.
 */
const FAMILIES = {
  command: "/api/probe",
  av: "/api/av/probe",
  quantum: "/v3/probe",
  incidents: "/api/v1/probe",
  platform: "/probe",
} as const;
type FamilyName = keyof typeof FAMILIES;

function probeApp() {
  const app = buildApp();
  for (const path of Object.values(FAMILIES)) {
    app.openapi(
      createRoute({
        method: "post",
        path,
        request: {
          body: {
            required: true,
            content: { "application/json": { schema: z.object({ name: z.string(), count: z.number().int() }) } },
          },
        },
        responses: { 200: { description: "ok" } },
      }),
      (c) => c.json({ echoed: c.req.valid("json") }, 200),
    );
    app.get(`${path}/boom`, () => {
      throw new Error("connection to db://admin:hunter2@10.0.0.5 failed");
    });
  }
  return app;
}

const app = probeApp();
const send = (path: string, init: RequestInit) => app.request(new URL(path, BASE).toString(), init, env);
const json = (path: string, body: string, contentType = "application/json") =>
  send(path, { method: "POST", headers: { "Content-Type": contentType }, body });

interface Expect {
  status: number;
  /** Internal code, and the code each coded family must show for it. */
  av: string;
  upper: string;
  platform: string;
}

/** Asserts the exact envelope of a family's seed and returns its human message. */
async function expectEnvelope(family: FamilyName, res: Response, want: Expect): Promise<string> {
  expect(res.status).toBe(want.status);
  const requestId = res.headers.get("X-Request-Id");
  expect(requestId).toMatch(/^req_[0-9a-f]{32}$/);
  const body = (await res.json()) as Record<string, any>;
  switch (family) {
    case "command":
      expect(Object.keys(body)).toEqual(["error"]);
      expect(typeof body.error).toBe("string");
      return body.error;
    case "av":
      expect(body.ok).toBe(false);
      expect(body.error).toBe(want.av);
      return body.message;
    case "quantum":
      expect(Object.keys(body).sort()).toEqual(["error", "request_id", "timestamp"]);
      expect(body.error.code).toBe(want.upper);
      expect(body.error.details).toBeTypeOf("object");
      expect(body.request_id).toBe(requestId);
      expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp);
      return body.error.message;
    case "incidents":
      expect(body.success).toBe(false);
      expect(body.error.code).toBe(want.upper);
      expect(body.meta.request_id).toBe(requestId);
      expect(new Date(body.meta.timestamp).toISOString()).toBe(body.meta.timestamp);
      return body.error.message;
    case "platform":
      expect(res.headers.get("Content-Type")).toContain("application/problem+json");
      expect(body.status).toBe(want.status);
      expect(body.code).toBe(want.platform);
      expect(body.type).toBe(`urn:vigil:error:${want.platform}`);
      expect(body.request_id).toBe(requestId);
      return body.title;
  }
}

const INVALID: Expect = { status: 400, av: "invalid_request", upper: "INVALID_REQUEST", platform: "invalid_request" };
const MALFORMED: Expect = { status: 400, av: "invalid_request", upper: "INVALID_REQUEST", platform: "malformed_json" };

describe.each(Object.keys(FAMILIES) as FamilyName[])("%s envelope", (family) => {
  const path = FAMILIES[family];
  afterEach(() => vi.restoreAllMocks());

  it("accepts a valid body", async () => {
    const res = await json(path, JSON.stringify({ name: "x", count: 2 }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ echoed: { name: "x", count: 2 } });
  });

  it("malformed JSON is a 400", async () => {
    const message = await expectEnvelope(family, await json(path, '{"name": "x",'), MALFORMED);
    expect(message).toMatch(/malformed json/i);
  });

  it("a missing field is a 400 naming the field", async () => {
    const message = await expectEnvelope(family, await json(path, JSON.stringify({ count: 1 })), INVALID);
    expect(message).toContain("'name'");
  });

  it("a wrong type is a 400 naming the field", async () => {
    const message = await expectEnvelope(family, await json(path, JSON.stringify({ name: "x", count: "many" })), INVALID);
    expect(message).toContain("'count'");
  });

  it("a body over 1 MiB is a 413", async () => {
    const big = JSON.stringify({ name: "x".repeat(MAX_BODY_BYTES), count: 1 });
    await expectEnvelope(family, await json(path, big), {
      status: 413,
      av: "payload_too_large",
      upper: "PAYLOAD_TOO_LARGE",
      platform: "payload_too_large",
    });
  });

  it("a streamed body over 1 MiB without Content-Length is a 413", async () => {
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > MAX_BODY_BYTES + chunk.length) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const res = await send(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: stream });
    expect(res.status).toBe(413);
  });

  it("a wrong Content-Type is a 415", async () => {
    await expectEnvelope(family, await json(path, "name=x", "text/plain"), {
      status: 415,
      av: "unsupported_media_type",
      upper: "UNSUPPORTED_MEDIA_TYPE",
      platform: "unsupported_media_type",
    });
  });

  it("an unknown route is a 404 in the family's envelope", async () => {
    const res = await call(`${path}/no/such/route`);
    const message = await expectEnvelope(family, res, {
      status: 404,
      av: "not_found",
      upper: "NOT_FOUND",
      platform: "route_not_found",
    });
    expect(message).toContain("/no/such/route");
  });

  it("an unexpected error is a generic 500 with a logged stack and no internals", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void lines.push(String(line)));
    const res = await send(`${path}/boom`, { headers: { "X-Request-ID": "trace-500-check" } });
    expect(res.headers.get("X-Request-Id")).toBe("trace-500-check");
    const text = await res.clone().text();
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("10.0.0.5");
    const message = await expectEnvelopeLoose(family, res);
    expect(message).toMatch(/internal server error/i);
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === "unhandled error");
    expect(logged?.request_id).toBe("trace-500-check");
    expect(String(logged?.stack)).toContain("hunter2");
  });
});

/** For the 500 case the request id is client-chosen, so only the code mapping is checked. */
async function expectEnvelopeLoose(family: FamilyName, res: Response): Promise<string> {
  expect(res.status).toBe(500);
  const body = (await res.json()) as Record<string, any>;
  if (family === "command") return body.error;
  if (family === "av") return (expect(body.error).toBe("internal_error"), body.message);
  if (family === "platform") return (expect(body.code).toBe("internal"), body.title);
  expect(body.error.code).toBe("INTERNAL_ERROR");
  return body.error.message;
}

describe("command console /api/auth", () => {
  it("renders errors as { authorized: false, error }", async () => {
    const res = await call("/api/auth", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{" });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.authorized).toBe(false);
    expect(typeof body.error).toBe("string");
  });
});
