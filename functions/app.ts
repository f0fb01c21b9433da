import { adminRoutes } from "./admin/routes";
import { installDocs } from "./platform/docs";
import { healthRoutes } from "./platform/health";
import { installPlatform } from "./platform/middleware";
import { createRouter, type Router } from "./platform/router";

/**
 * Builds the whole HTTP surface. A fresh app per call keeps tests free to add probe
 * routes; the Worker builds one at module load and reuses it for every request.
 */
export function buildApp(): Router {
  const app = createRouter();
  installPlatform(app);
  app.route("/", healthRoutes());
  app.route("/admin", adminRoutes());
  installDocs(app);
  return app;
}
