import { createRouter } from "../platform/router";

export function remediationRoutes() {
  return createRouter();
}
