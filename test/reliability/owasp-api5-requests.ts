import { env } from "cloudflare:workers";
import { emitEvent } from "../../functions/platform/events/emit";
import { createLogger } from "../../functions/platform/log";
import { ed25519Keys } from "../consensus-agents";
import { call, postJson, receiverInbox, SEED_RULE } from "../helpers";
import { ok, send, type World } from "./owasp-helpers";

/**
 * Requests that would succeed for a caller allowed to make them: real ids of the tenant's own
 * objects and valid bodies, so that a refusal can only be about who is asking (API5).
 */
export interface Prepared {
  path: string;
  body?: unknown;
  raw?: { type: string; text: string };
}

const SIGMA = `title: Whoami Execution
logsource:
  category: process_creation
detection:
  selection:
    Image|endswith: '\\\\whoami.exe'
  condition: selection
level: high
`;

/** Creates one of each object in the tenant (as its admin, responder and write key) and returns the ids. */
export async function seedObjects(w: World): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  const as = w.responder.headers;
  const incident = await ok(await postJson("/api/v1/incidents", { type: "custom_alert", severity: "LOW" }, as), 201);
  ids.incident_id = incident.data.incident.id;
  ids.rule_id = (await ok(await postJson("/api/v1/rules", SEED_RULE, as), 201)).data.rule.id;
  const pending = { action: "block_ip", parameters: { ip_addresses: ["203.0.113.21"] }, require_approval: true };
  ids.pending_action = (await ok(await postJson("/api/v1/remediation/execute", pending, as), 202)).data.action.id;
  const done = { action: "block_ip", parameters: { ip_addresses: ["203.0.113.22"] } };
  ids.done_action = (await ok(await postJson("/api/v1/remediation/execute", done, as), 201)).data.action.id;
  const inbox = await receiverInbox();
  ids.webhookId = (await ok(await postJson("/api/v1/webhooks", { url: inbox.url, events: ["*"] }, w.writeKey), 201)).data.id;
  const test = await call(`/api/v1/webhooks/${ids.webhookId}/test`, { method: "POST", headers: w.writeKey });
  ids.deliveryId = (await ok(test, 202)).data.id;
  ids.keyId = (
    await ok(await postJson("/api/v1/auth/api-keys", { name: "victim", scopes: ["read"] }, w.admin.headers), 201)
  ).data.id;
  for (const [id, prot] of [
    ["n1", false],
    ["n2", false],
    ["n3", true],
  ] as const)
    await ok(await postJson("/api/mesh/nodes", { id, label: id, systemType: "grid", region: "eu", protected: prot }, as), 201);
  await ok(await postJson("/api/mesh/links", { sourceId: "n1", targetId: "n2", weight: 1 }, as), 201);
  ids.approvalId = (await ok(await postJson("/api/approvals", { action: "isolate-node", nodeId: "n3" }, as), 201)).id;
  const log = createLogger("error");
  const event = () =>
    emitEvent(
      env,
      { tenantId: w.tenantId, source: "command", type: "command.threat.detected", severity: "high", description: "e" },
      log,
    );
  ids.event1 = (await event()).event.id;
  ids.event2 = (await event()).event.id;
  const canary = await postJson("/v3/quantum/canary/tokens", { deployment_zone: "edge" }, w.quantum);
  ids.token_id = (await ok(canary, 201)).token_id;
  const fragment = { data: btoa("secret"), fragment_count: 2, lifetime_ms: 600_000, distribution: "local" };
  ids.parent_id = (await ok(await postJson("/v3/fragmentation/fragment", fragment, w.quantum), 201)).parent_id;
  const agent = { name: "a1", public_key: (await ed25519Keys()).publicKey, endpoint: "https://agents.test/a1", capabilities: [] };
  ids.agent_id = (await ok(await postJson("/v3/consensus/agents", agent, w.manage), 201)).agent_id;
  ids.username = w.viewer.user.username;
  await ok(
    await send(
      "PUT",
      "/api/v1/notifications/providers",
      { email: { base_url: "https://relay.example.com", token: "t" } },
      w.admin.headers,
    ),
  );
  return ids;
}

/** A valid request for the operation, or null when it takes no part (documentation, sign-in). */
export function prepare(method: string, template: string, ids: Record<string, string>): Prepared | null {
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (name === "action_id") return template.endsWith("rollback") ? ids.done_action! : ids.pending_action!;
    return encodeURIComponent(ids[name] ?? "x");
  });
  const bodies: Record<string, unknown> = {
    "POST /api/mesh/nodes": { id: "n9", label: "n9", systemType: "grid", region: "eu", protected: false },
    "POST /api/mesh/links": { sourceId: "n1", targetId: "n3", weight: 2 },
    "POST /api/isolate-node": { nodeId: "n2" },
    "POST /api/reroute": { sourceId: "n1", targetId: "n2" },
    "POST /api/approvals": { action: "isolate-node", nodeId: "n2" },
    "POST /api/correlate": { eventIds: [ids.event1, ids.event2] },
    "POST /api/v1/auth/api-keys": { name: "escalate", scopes: ["admin"] },
    "POST /api/v1/incidents": { type: "custom_alert", severity: "LOW" },
    "PUT /api/v1/incidents/{incident_id}": { status: "INVESTIGATING" },
    "POST /api/v1/incidents/{incident_id}/assign": { assignee: "mallory" },
    "POST /api/v1/incidents/{incident_id}/resolve": { false_positive: true },
    "POST /api/v1/rules": SEED_RULE,
    "PUT /api/v1/rules/{rule_id}": { ...SEED_RULE, enabled: false },
    "POST /api/v1/rules/{rule_id}/test": { sample_data: { logs: [{ message: "Failed password" }] } },
    "POST /api/v1/logs": [{ message: "hello" }],
    "POST /api/v1/analysis/analyze": { incident_id: ids.incident_id },
    "POST /api/v1/remediation/execute": { action: "block_ip", parameters: { ip_addresses: ["203.0.113.23"] } },
    "POST /api/v1/remediation/{action_id}/approve": { approval_notes: "ok" },
    "POST /api/v1/remediation/{action_id}/rollback": { reason: "undo" },
    "POST /api/v1/users/{username}/password": { password: "a brand new password 42" },
    "PUT /api/v1/notifications/preferences": {
      channels: { email: { enabled: false }, slack: { enabled: false }, sms: { enabled: false } },
    },
    "PUT /api/v1/notifications/providers": { email: { base_url: "https://relay.example.com/x", token: "stolen" } },
    "POST /api/v1/notifications/test": { channel: "email", message: "hi" },
    "POST /api/v1/webhooks": { url: "https://hooks.example.com/new", events: ["*"] },
    "PATCH /api/v1/webhooks/{webhookId}": { description: "changed" },
    "POST /api/v1/webhooks/{webhookId}/rotate-secret": {},
    "POST /v3/webhooks": { url: "https://hooks.example.com/new", events: ["*"] },
    "PATCH /v3/webhooks/{webhookId}": { description: "changed" },
    "POST /v3/webhooks/{webhookId}/rotate-secret": {},
    "POST /v3/quantum/canary/tokens": { deployment_zone: "edge" },
    "POST /v3/quantum/detection/analyze": { data: btoa("TLS_AES_128_GCM_SHA256 x25519") },
    "POST /v3/fragmentation/fragment": { data: btoa("x"), lifetime_ms: 60_000, fragment_count: 2, distribution: "local" },
    "POST /v3/fragmentation/reconstruct": { parent_id: ids.parent_id },
    "PATCH /v3/fragmentation/fragments/{parent_id}/lifetime": { additional_ms: 1000 },
    "POST /v3/consensus/agents/{agent_id}/heartbeat": { timestamp: Date.now(), signature: btoa("x".repeat(64)) },
    "POST /v3/consensus/propose": { value: btoa("v"), timeout_ms: 500 },
    "POST /v3/consensus/agents": {
      name: "a2",
      public_key: "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
      endpoint: "https://a.test/2",
      capabilities: [],
    },
  };
  const key = `${method.toUpperCase()} ${template}`;
  if (key === "POST /api/v1/rules/import/sigma") return { path, raw: { type: "application/yaml", text: SIGMA } };
  if (key === "POST /api/v1/threat-intel/indicators")
    return { path, raw: { type: "text/csv", text: "type,value,reputation\nip,203.0.113.99,malicious\n" } };
  if (key === "DELETE /api/v1/threat-intel/indicators") return { path: `${path}?kind=ip&value=203.0.113.99` };
  return { path, body: bodies[key] };
}

export function sendPrepared(method: string, p: Prepared, headers: Record<string, string>): Promise<Response> {
  if (p.raw) return call(p.path, { method, headers: { ...headers, "Content-Type": p.raw.type }, body: p.raw.text });
  return send(method, p.path, p.body, headers);
}
