import { adminCredentialRoutes } from "./admin/credentials";
import { adminMachineRoutes } from "./admin/machines";
import { adminRoutes } from "./admin/routes";
import { avAuditRoutes } from "./av/audit-routes";
import { avAuthRoutes } from "./av/auth-routes";
import { avClaimRoutes } from "./av/claim-routes";
import { avDeviceRoutes } from "./av/device-routes";
import { avMeshRoutes } from "./av/mesh-routes";
import { commandApprovalRoutes } from "./command/approval-routes";
import { commandAuditRoutes } from "./command/audit-routes";
import { commandAuthRoutes } from "./command/auth-routes";
import { commandEventRoutes } from "./command/events-routes";
import { commandOperationRoutes } from "./command/command-routes";
import { commandMeshRoutes } from "./command/mesh-routes";
import { incidentsAuthRoutes } from "./incidents/auth-routes";
import { incidentRoutes } from "./incidents/incident-routes";
import { ruleRoutes } from "./incidents/rule-routes";
import { analysisRoutes } from "./incidents/analysis-routes";
import { remediationRoutes } from "./incidents/remediation-routes";
import { blocklistRoutes } from "./incidents/blocklist-routes";
import { userRoutes } from "./incidents/user-routes";
import { notificationRoutes } from "./incidents/notification-routes";
import { systemRoutes } from "./incidents/system-routes";
import { jwksRoutes } from "./platform/auth/jwks-route";
import { quantumOAuthRoutes } from "./quantum/oauth-routes";
import { canaryRoutes } from "./quantum/canary-routes";
import { detectionRoutes } from "./quantum/detection-routes";
import { fragmentationRoutes } from "./quantum/fragmentation-routes";
import { consensusRoutes } from "./quantum/consensus-routes";
import { consensusConnectRoutes } from "./quantum/consensus-connect-routes";
import { installDocs } from "./platform/docs";
import { webhookRoutes } from "./webhooks/routes";
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
  app.route("/", jwksRoutes());
  app.route("/admin", adminRoutes());
  app.route("/admin", adminCredentialRoutes());
  app.route("/admin", adminMachineRoutes());
  app.route("/", commandAuthRoutes());
  app.route("/", commandEventRoutes());
  app.route("/", commandMeshRoutes());
  app.route("/", commandApprovalRoutes());
  app.route("/", commandAuditRoutes());
  app.route("/", commandOperationRoutes());
  app.route("/", avAuthRoutes());
  app.route("/", avDeviceRoutes());
  app.route("/", avAuditRoutes());
  app.route("/", avClaimRoutes());
  app.route("/", avMeshRoutes());
  app.route("/", quantumOAuthRoutes());
  app.route("/", canaryRoutes());
  app.route("/", detectionRoutes());
  app.route("/", fragmentationRoutes());
  app.route("/", consensusRoutes());
  app.route("/", consensusConnectRoutes());
  app.route("/", incidentsAuthRoutes());
  app.route("/", incidentRoutes());
  app.route("/", ruleRoutes());
  app.route("/", analysisRoutes());
  app.route("/", remediationRoutes());
  app.route("/", blocklistRoutes());
  app.route("/", userRoutes());
  app.route("/", notificationRoutes());
  app.route("/", systemRoutes());
  app.route("/", webhookRoutes("quantum"));
  app.route("/", webhookRoutes("incidents"));
  installDocs(app);
  return app;
}
