import { createRouter } from "../platform/router";

export function fragmentationRoutes() {
  return createRouter();
}
