import { createRouter } from "../platform/router";

export function analysisRoutes() {
  return createRouter();
}
