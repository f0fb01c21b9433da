/**
 * The one event catalog every family's webhooks subscribe from. A subscription names catalog
 * types exactly, or a family with a wildcard (`incident.*`), or everything (`*`).
 */
export const EVENT_CATALOG = {
  "incident.created": "An incident was opened",
  "incident.updated": "An incident changed (status, assignee, severity, an added occurrence)",
  "incident.resolved": "An incident was resolved or marked a false positive",
  "analysis.completed": "An incident analysis finished",
  "remediation.executed": "A remediation action ran",
  "rule.triggered": "A detection rule matched ingested records",
  "quantum.attack.detected": "Crypto exposure analysis found a quantum-vulnerable attack surface under attack",
  "quantum.canary.triggered": "A canary token was touched",
  "consensus.achieved": "A consensus round committed with a quorum certificate",
  "consensus.failed": "A consensus round timed out without a quorum",
  "agent.byzantine.detected": "An agent signed conflicting votes",
  "agent.registered": "An agent joined the cluster",
  "agent.updated": "An agent's name, endpoint, capabilities or metadata changed",
  "agent.deactivated": "An agent was deactivated: it no longer votes or takes actions",
  "coordination.action.completed": "A coordinated action finished: which agents succeeded and which failed",
  "fragmentation.expired": "A temporal fragment expired",
  "system.alert.critical": "A critical system alert (e.g. a webhook endpoint disabled)",
  "av.threat.detected": "An endpoint agent's claim fired",
  "command.executed": "A command console command ran (isolate, reroute, rotate keys, restore)",
} as const;

export type CatalogType = keyof typeof EVENT_CATALOG;
export const CATALOG_TYPES = Object.keys(EVENT_CATALOG) as CatalogType[];

/** Sent by POST …/webhooks/{id}/test, whatever the endpoint subscribes to. */
export const TEST_EVENT_TYPE = "webhook.test";

const FAMILIES = new Set(CATALOG_TYPES.map((t) => t.slice(0, t.indexOf("."))));

export const isCatalogType = (type: string): type is CatalogType => Object.hasOwn(EVENT_CATALOG, type);

/** A valid subscription pattern: a catalog type, `<family>.*` for a family in the catalog, or `*`. */
export function isValidPattern(pattern: string): boolean {
  if (pattern === "*" || isCatalogType(pattern)) return true;
  return pattern.endsWith(".*") && FAMILIES.has(pattern.slice(0, -2));
}

export function subscribes(patterns: readonly string[], type: string): boolean {
  if (!isCatalogType(type)) return false;
  return patterns.some((p) => p === "*" || p === type || (p.endsWith(".*") && type.startsWith(p.slice(0, -1))));
}
