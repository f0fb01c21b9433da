import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ApiError, ErrorCode } from "./errors";
import { familyOf } from "./families";
import type { AppEnv } from "./types";

/** The agent-claims seed names its own snake_case codes; the rest pass through as they are. */
const AV_CODES: Partial<Record<ErrorCode, string>> = {
  malformed_json: "invalid_request",
  missing_credentials: "missing_api_key",
  invalid_credentials: "invalid_api_key",
  route_not_found: "not_found",
  internal: "internal_error",
};

/** Quantum defense and incident response use UPPER_SNAKE codes; the incident seed fixes most of them. */
const UPPER_CODES: Record<ErrorCode, string> = {
  invalid_request: "INVALID_REQUEST",
  malformed_json: "INVALID_REQUEST",
  missing_credentials: "UNAUTHORIZED",
  invalid_credentials: "UNAUTHORIZED",
  unauthorized: "UNAUTHORIZED",
  forbidden: "FORBIDDEN",
  insufficient_scope: "FORBIDDEN",
  https_required: "HTTPS_REQUIRED",
  not_found: "NOT_FOUND",
  route_not_found: "NOT_FOUND",
  machine_not_found: "NOT_FOUND",
  conflict: "CONFLICT",
  gone: "GONE",
  payload_too_large: "PAYLOAD_TOO_LARGE",
  unsupported_media_type: "UNSUPPORTED_MEDIA_TYPE",
  rate_limited: "RATE_LIMITED",
  internal: "INTERNAL_ERROR",
  audit_write_failed: "INTERNAL_ERROR",
  service_unavailable: "SERVICE_UNAVAILABLE",
};

/** Keeps the precise internal reason visible where an UPPER code had to fold several together. */
function upperDetails(err: ApiError): Record<string, unknown> {
  const reason = UPPER_CODES[err.code].toLowerCase() === err.code ? {} : { reason: err.code };
  return { ...reason, ...err.details };
}

function errorBody(c: Context<AppEnv>, err: ApiError): { body: unknown; contentType?: string } {
  const path = c.req.path;
  const requestId = c.get("requestId");
  const timestamp = new Date().toISOString();
  switch (familyOf(path)) {
    case "command":
      return path === "/api/auth" ? { body: { authorized: false, error: err.message } } : { body: { error: err.message } };
    case "av":
      return { body: { ok: false, error: AV_CODES[err.code] ?? err.code, message: err.message, ...detailsField(err) } };
    case "quantum":
      return {
        body: {
          error: { code: UPPER_CODES[err.code], message: err.message, details: upperDetails(err) },
          request_id: requestId,
          timestamp,
        },
      };
    case "incidents":
      return {
        body: {
          success: false,
          error: { code: UPPER_CODES[err.code], message: err.message, details: upperDetails(err), ...retryAfter(err) },
          meta: { timestamp, request_id: requestId },
        },
      };
    case "platform":
      // RFC 9457 problem details for the operator-facing routes (/admin, /healthz, …).
      return {
        contentType: "application/problem+json",
        body: {
          type: `urn:vigil:error:${err.code}`,
          title: err.message,
          status: err.status,
          code: err.code,
          request_id: requestId,
          ...detailsField(err),
        },
      };
  }
}

const detailsField = (err: ApiError) => (err.details ? { details: err.details } : {});

/** The incident seed puts retry_after inside the error object of a 429. */
const retryAfter = (err: ApiError) =>
  err.code === "rate_limited" && err.headers?.["Retry-After"] ? { retry_after: Number(err.headers["Retry-After"]) } : {};

export function renderError(c: Context<AppEnv>, err: ApiError): Response {
  const { body, contentType } = errorBody(c, err);
  const res = c.json(body, err.status);
  if (contentType) res.headers.set("Content-Type", contentType);
  for (const [name, value] of Object.entries(err.headers ?? {})) res.headers.set(name, value);
  return res;
}

/** Incident response successes: `{ success: true, data, meta }`. */
export function incidentsSuccess<T, S extends ContentfulStatusCode>(c: Context<AppEnv>, data: T, status: S) {
  return c.json(
    { success: true as const, data, meta: { timestamp: new Date().toISOString(), request_id: c.get("requestId") } },
    status,
  );
}
