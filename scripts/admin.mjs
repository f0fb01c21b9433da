// `npm run admin -- <command>`: operator commands over the /admin API.
import { randomBytes } from "node:crypto";
import { adminConfig, adminRequest } from "./admin-client.mjs";

const USAGE = `Usage: npm run admin -- <command>
  tenants:list
  tenants:create <name>
  tenants:mode <tenantId> <live|simulation>
  tenants:graphql-introspection <tenantId> <on|off>
  users:create <tenantId> <username> <viewer|analyst|responder|admin> [password]
      (without a password, one is generated and printed once)
  auth-codes:create <tenantId> [role]          one-time command-console code (10 minutes)
  api-keys:create <tenantId> <name> <scopes> [--header X-API-Key|X-Zeq-SM-Key] [--machine SLUG]
      (scopes comma-separated: read,write,admin; the key is printed once)
  api-keys:revoke <tenantId> <keyId>
  oauth-clients:create <tenantId> <tier> <scopes> [--cert SHA256]
      (tier free|standard|premium|enterprise; scopes comma-separated; the secret is printed once)
  oauth-clients:revoke <tenantId> <clientId>
  dead-letters [queue]

Environment: VIGIL_URL (default http://localhost:$PORT or :8787), ADMIN_TOKEN (default from .dev.vars)`;

const commands = {
  "tenants:list": async (cfg) => (await adminRequest(cfg, "GET", "/admin/tenants")).tenants,
  "tenants:create": async (cfg, [name]) => name && adminRequest(cfg, "POST", "/admin/tenants", { name }),
  "tenants:mode": async (cfg, [tenantId, mode]) =>
    tenantId && mode && adminRequest(cfg, "PATCH", `/admin/tenants/${tenantId}`, { mode }),
  "tenants:graphql-introspection": async (cfg, [tenantId, onOff]) =>
    tenantId &&
    ["on", "off"].includes(onOff) &&
    adminRequest(cfg, "PATCH", `/admin/tenants/${tenantId}`, { graphql_introspection: onOff === "on" }),
  "users:create": async (cfg, [tenantId, username, role, given]) => {
    if (!tenantId || !username || !role) return undefined;
    const password = given ?? randomBytes(18).toString("base64url");
    const user = await adminRequest(cfg, "POST", `/admin/tenants/${tenantId}/users`, { username, password, role });
    return given ? user : { ...user, password };
  },
  "auth-codes:create": async (cfg, [tenantId, role]) =>
    tenantId && adminRequest(cfg, "POST", `/admin/tenants/${tenantId}/auth-codes`, role ? { role } : {}),
  "api-keys:create": async (cfg, [tenantId, name, scopes, ...rest]) => {
    if (!tenantId || !name || !scopes) return undefined;
    const opts = flags(rest);
    const body = {
      name,
      scopes: scopes.split(","),
      ...(opts.header && { header: opts.header }),
      ...(opts.machine && { machine: opts.machine }),
    };
    return adminRequest(cfg, "POST", `/admin/tenants/${tenantId}/api-keys`, body);
  },
  "api-keys:revoke": async (cfg, [tenantId, keyId]) =>
    tenantId && keyId && (await adminRequest(cfg, "DELETE", `/admin/tenants/${tenantId}/api-keys/${keyId}`), { revoked: keyId }),
  "oauth-clients:create": async (cfg, [tenantId, tier, scopes, ...rest]) => {
    if (!tenantId || !tier || !scopes) return undefined;
    const cert = flags(rest).cert;
    return adminRequest(cfg, "POST", `/admin/tenants/${tenantId}/oauth-clients`, {
      tier,
      scopes: scopes.split(","),
      ...(cert && { cert_fingerprint: cert }),
    });
  },
  "oauth-clients:revoke": async (cfg, [tenantId, clientId]) =>
    tenantId &&
    clientId &&
    (await adminRequest(cfg, "DELETE", `/admin/tenants/${tenantId}/oauth-clients/${clientId}`), { revoked: clientId }),
  "dead-letters": async (cfg, [queue]) =>
    (await adminRequest(cfg, "GET", `/admin/dead-letters${queue ? `?queue=${encodeURIComponent(queue)}` : ""}`)).dead_letters,
};

/** `--name value` pairs after the positional arguments. */
function flags(args) {
  const out = {};
  for (let i = 0; i < args.length; i += 2) if (args[i]?.startsWith("--")) out[args[i].slice(2)] = args[i + 1];
  return out;
}

const [name, ...args] = process.argv.slice(2);
const run = commands[name];
if (!run) {
  console.error(USAGE);
  process.exit(2);
}
try {
  const result = await run(adminConfig(), args);
  if (result === undefined) {
    console.error(USAGE);
    process.exit(2);
  }
  console.log(JSON.stringify(result, null, 2));
} catch (err) {
  console.error(err.message);
  process.exit(1);
}
