import { createRouter } from "../platform/router";

export function detectionRoutes() {
  return createRouter();
}
