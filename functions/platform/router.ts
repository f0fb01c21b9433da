import { OpenAPIHono } from "@hono/zod-openapi";
import type { z } from "@hono/zod-openapi";
import { ApiError } from "./errors";
import type { AppEnv } from "./types";

const TARGET_NAMES: Record<string, string> = {
  json: "body",
  form: "body",
  query: "query parameter",
  param: "path parameter",
  header: "header",
  cookie: "cookie",
};

/** Turns a zod failure into one invalid_request that names every offending field. */
export function validationError(target: string, error: z.ZodError): ApiError {
  const issues = error.issues.map((issue) => ({
    field: issue.path.length ? issue.path.map(String).join(".") : "(root)",
    message: issue.message,
    code: issue.code,
  }));
  const first = issues[0];
  const where = TARGET_NAMES[target] ?? target;
  const message = first ? `Invalid ${where} '${first.field}': ${first.message}` : `Invalid ${where}`;
  return new ApiError("invalid_request", message, { target: where, issues });
}

/**
 * Every Vigil router is built here so validation failures always become ApiErrors,
 * which the single error handler renders in the family's envelope.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.target, result.error);
    },
  });
}

export type Router = ReturnType<typeof createRouter>;
