import type { MiddlewareHandler } from "hono";
import { ApiError } from "../platform/errors";
import { secretsEqual } from "../platform/crypto";
import { clientIp } from "../platform/rate-limit/middleware";
import { ADMIN_GUESSES, countGuesses, type Guesses } from "./guesses";
import type { AppEnv } from "../platform/types";

const CHALLENGE = { "WWW-Authenticate": 'Bearer realm="vigil-admin"' };

function tooManyGuesses(g: Guesses) {
  return new ApiError(
    "rate_limited",
    `Too many wrong admin tokens from this address: ${ADMIN_GUESSES.limit} in ${ADMIN_GUESSES.windowMs / 60_000} minutes`,
    undefined,
    { "Retry-After": String(Math.max(1, Math.ceil((g.reset - Date.now()) / 1000))) },
  );
}

/** Guards /admin/* with `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time. */
export function requireAdmin(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const expected = c.env.ADMIN_TOKEN;
    if (!expected) throw new ApiError("service_unavailable", "The admin API is disabled: ADMIN_TOKEN is not configured");
    const header = c.req.header("Authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1])
      throw new ApiError("missing_credentials", "Authorization: Bearer <ADMIN_TOKEN> is required", undefined, CHALLENGE);
    const ip = clientIp(c);
    const before = await countGuesses(c.env, ip, 0);
    if (before.total >= ADMIN_GUESSES.limit) throw tooManyGuesses(before);
    if (!(await secretsEqual(match[1], expected))) {
      await countGuesses(c.env, ip, 1);
      c.get("log").warn("wrong admin token", { client_ip: ip });
      throw new ApiError("invalid_credentials", "Invalid admin token", undefined, CHALLENGE);
    }
    await next();
  };
}

/** Admin-token actions are audited under one actor name; the request id tells them apart. */
export const adminActor = (requestId: string) => ({ name: "admin-token", requestId });
