import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * The closed set of failures Vigil reports. Each family renders these in its own
 * seed's envelope (see envelopes.ts); the HTTP status is fixed per code so no
 * call site can pair a code with the wrong status.
 */
export const ERROR_STATUS = {
  invalid_request: 400,
  malformed_json: 400,
  missing_credentials: 401,
  invalid_credentials: 401,
  unauthorized: 401,
  forbidden: 403,
  insufficient_scope: 403,
  https_required: 403,
  not_found: 404,
  route_not_found: 404,
  machine_not_found: 404,
  conflict: 409,
  /** The resource existed but is past its lifetime (an expired temporal fragment set). */
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  audit_write_failed: 500,
  service_unavailable: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export type ErrorDetails = Record<string, unknown>;

export class ApiError extends Error {
  readonly status: ContentfulStatusCode;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetails,
    /** Extra response headers, e.g. Retry-After on rate_limited. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "ApiError";
    this.status = ERROR_STATUS[code];
  }
}

export const notFound = (what: string, details?: ErrorDetails) => new ApiError("not_found", `${what} not found`, details);

export const conflict = (message: string, details?: ErrorDetails) => new ApiError("conflict", message, details);
