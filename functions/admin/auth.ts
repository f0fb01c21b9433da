import type { MiddlewareHandler } from "hono";
import { ApiError } from "../platform/errors";
import { secretsEqual } from "../platform/crypto";
import type { AppEnv } from "../platform/types";

const CHALLENGE = { "WWW-Authenticate": 'Bearer realm="vigil-admin"' };

/** Guards /admin/* with `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time. */
export function requireAdmin(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const expected = c.env.ADMIN_TOKEN;
    if (!expected) throw new ApiError("service_unavailable", "The admin API is disabled: ADMIN_TOKEN is not configured");
    const header = c.req.header("Authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1])
      throw new ApiError("missing_credentials", "Authorization: Bearer <ADMIN_TOKEN> is required", undefined, CHALLENGE);
    if (!(await secretsEqual(match[1], expected)))
      throw new ApiError("invalid_credentials", "Invalid admin token", undefined, CHALLENGE);
    await next();
  };
}

/** Admin-token actions are audited under one actor name; the request id tells them apart. */
export const adminActor = (requestId: string) => ({ name: "admin-token", requestId });
