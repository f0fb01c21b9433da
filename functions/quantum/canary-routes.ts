import { createRouter } from "../platform/router";

export function canaryRoutes() {
  return createRouter();
}
