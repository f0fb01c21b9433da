import { createRouter } from "../platform/router";

export function systemRoutes() {
  return createRouter();
}
