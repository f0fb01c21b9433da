import { createRouter } from "../platform/router";

export function notificationRoutes() {
  return createRouter();
}
