import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { apiMetricsMiddleware } from "./api-metrics";
import { renderError } from "./envelopes";
import { ApiError } from "./errors";
import { createLogger, parseLogLevel } from "./log";
import type { AppEnv } from "./types";
import type { Router } from "./router";

/** Request bodies above this are refused with 413 before any handler reads them. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Routes whose seed asks for more: fragmentation takes up to 1 MiB of data, which arrives
 * base64-encoded (4/3 larger) inside JSON.
 */
export const LARGER_BODIES: Record<string, number> = { "/v3/fragmentation/fragment": 1536 * 1024 };

function limitBodies(): MiddlewareHandler<AppEnv> {
  const limiter = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: () => {
        throw new ApiError("payload_too_large", `Request body exceeds ${maxSize} bytes`);
      },
    });
  const standard = limiter(MAX_BODY_BYTES);
  const larger = new Map(Object.entries(LARGER_BODIES).map(([path, size]) => [path, limiter(size)]));
  return (c, next) => (larger.get(c.req.path) ?? standard)(c, next);
}

/** Client-supplied ids are kept only when short and made of safe characters; otherwise we mint one. */
const REQUEST_ID_MAX = 128;

/** randomUUID is markedly cheaper per call than getRandomValues plus hex encoding, and this runs on every request. */
const newRequestId = () => `req_${crypto.randomUUID().replaceAll("-", "")}`;

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

function withLogger(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const log = createLogger(parseLogLevel(c.env.LOG_LEVEL), { request_id: c.get("requestId") });
    c.set("log", log);
    if (!log.enabled("info")) return next();
    const started = Date.now();
    await next();
    log.info("request", { method: c.req.method, path: c.req.path, status: c.res.status, ms: Date.now() - started });
  };
}

/**
 * Plain HTTP is refused everywhere except loopback hosts in development: the command
 * console seed promises "HTTP connections are rejected at the edge".
 */
function requireHttps(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // Only plain-HTTP requests pay for URL parsing; HTTPS is the hot path.
    const plain = c.req.url.startsWith("http:") || c.req.header("X-Forwarded-Proto") === "http";
    if (plain && !(c.env.ENVIRONMENT === "development" && LOOPBACK.test(new URL(c.req.url).hostname)))
      throw new ApiError("https_required", "HTTPS is required; plain HTTP connections are rejected");
    await next();
  };
}

/** API responses are never cached by intermediaries unless a route says otherwise. */
function noStoreByDefault(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    if (!c.res.headers.has("Cache-Control")) c.res.headers.set("Cache-Control", "no-store");
  };
}

/** Maps anything thrown to an ApiError; only truly unexpected errors are logged with their stack. */
export function toApiError(err: unknown, c: Context<AppEnv>): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 413) return new ApiError("payload_too_large", `Request body exceeds ${MAX_BODY_BYTES} bytes`);
    if (err.status === 415)
      return new ApiError("unsupported_media_type", "Unsupported Content-Type; this endpoint expects application/json", {
        content_type: c.req.header("Content-Type") ?? null,
      });
    if (err.status === 400) return new ApiError("malformed_json", "Malformed JSON in request body");
  }
  const log = c.get("log") ?? createLogger("info", { request_id: c.get("requestId") });
  log.error("unhandled error", {
    method: c.req.method,
    path: c.req.path,
    error: err instanceof Error ? err.message : String(err),
    stack: err instanceof Error ? err.stack : undefined,
  });
  return new ApiError("internal", "Internal server error");
}

/** The stack every request passes through, plus the one error handler and the envelope-aware 404. */
export function installPlatform(app: Router): void {
  app.use(
    requestId({ limitLength: REQUEST_ID_MAX, generator: newRequestId }),
    withLogger(),
    // Per-tenant request counts, rates and durations for /api/v1/system/metrics (see api-metrics.ts).
    apiMetricsMiddleware(),
    secureHeaders({
      strictTransportSecurity: "max-age=63072000; includeSubDomains",
      xFrameOptions: "DENY",
      referrerPolicy: "no-referrer",
      crossOriginResourcePolicy: "same-origin",
    }),
    noStoreByDefault(),
    requireHttps(),
    limitBodies(),
  );
  app.onError((err, c) => renderError(c, toApiError(err, c)));
  app.notFound((c) =>
    renderError(c, new ApiError("route_not_found", `No route for ${c.req.method} ${c.req.path}`, { path: c.req.path })),
  );
}
