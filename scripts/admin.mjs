// `npm run admin -- <command>`: operator commands over the /admin API.
import { randomBytes } from "node:crypto";
import { adminConfig, adminRequest } from "./admin-client.mjs";

const USAGE = `Usage: npm run admin -- <command>
  tenants:list
  tenants:create <name>
  users:create <tenantId> <username> <viewer|analyst|responder|admin> [password]
      (without a password, one is generated and printed once)
  dead-letters [queue]

Environment: VIGIL_URL (default http://localhost:$PORT or :8787), ADMIN_TOKEN (default from .dev.vars)`;

const commands = {
  "tenants:list": async (cfg) => (await adminRequest(cfg, "GET", "/admin/tenants")).tenants,
  "tenants:create": async (cfg, [name]) => name && adminRequest(cfg, "POST", "/admin/tenants", { name }),
  "users:create": async (cfg, [tenantId, username, role, given]) => {
    if (!tenantId || !username || !role) return undefined;
    const password = given ?? randomBytes(18).toString("base64url");
    const user = await adminRequest(cfg, "POST", `/admin/tenants/${tenantId}/users`, { username, password, role });
    return given ? user : { ...user, password };
  },
  "dead-letters": async (cfg, [queue]) =>
    (await adminRequest(cfg, "GET", `/admin/dead-letters${queue ? `?queue=${encodeURIComponent(queue)}` : ""}`)).dead_letters,
};

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
