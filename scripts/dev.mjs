// `npm run dev`: local secrets, D1 migrations, `wrangler dev`, and a seeded demo tenant on first start.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { adminConfig, adminRequest } from "./admin-client.mjs";
import { seedDemoAgent } from "./demo-agent.mjs";
import { seedDemoMesh } from "./demo-mesh.mjs";
import { ensureDevVars } from "./dev-vars.mjs";
import { wranglerSpawn, wranglerSync } from "./wrangler.mjs";

const PORT = process.env.PORT ?? "8787";
const STATE = process.env.VIGIL_STATE_DIR ?? ".wrangler/state";
const CREDENTIALS = join(STATE, "demo-credentials.json");
const DEMO = { tenant: "demo", username: "admin@demo.vigil.local", role: "admin" };

if (ensureDevVars()) console.log("Created .dev.vars with a fresh ADMIN_TOKEN");
// The operator console is served from the Worker's static assets (dist/console, or
// VIGIL_CONSOLE_OUT for a second instance beside the first).
const CONSOLE_OUT = process.env.VIGIL_CONSOLE_OUT;
const viteArgs = [
  "build",
  "--config",
  "console/vite.config.ts",
  "--logLevel",
  "warn",
  ...(CONSOLE_OUT ? ["--outDir", CONSOLE_OUT] : []),
];
execFileSync(process.execPath, ["node_modules/vite/bin/vite.js", ...viteArgs], { stdio: "inherit" });
wranglerSync(["d1", "migrations", "apply", "DB", "--local", "--persist-to", STATE], { env: { CI: "true" } });

const wrangler = wranglerSpawn([
  "dev",
  "--port",
  PORT,
  "--ip",
  "127.0.0.1",
  "--persist-to",
  STATE,
  ...(CONSOLE_OUT ? ["--assets", CONSOLE_OUT] : []),
  ...process.argv.slice(2),
]);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => wrangler.kill(signal));
wrangler.on("exit", (code) => process.exit(code ?? 0));

async function waitForHealth(url) {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Vigil did not answer ${url}/healthz`);
}

/** Creates the demo tenant and its admin once; later starts reuse the saved credentials. */
async function seedDemo(cfg) {
  const { tenants } = await adminRequest(cfg, "GET", "/admin/tenants");
  const existing = tenants.find((t) => t.name === DEMO.tenant);
  if (existing && existsSync(CREDENTIALS)) return JSON.parse(readFileSync(CREDENTIALS, "utf8"));
  const tenant = existing ?? (await adminRequest(cfg, "POST", "/admin/tenants", { name: DEMO.tenant }));
  // The demo tenant's stream is alive from the first start: its hub generates threat events.
  await adminRequest(cfg, "PATCH", `/admin/tenants/${tenant.id}`, { mode: "simulation" });
  const seedKey = await adminRequest(cfg, "POST", `/admin/tenants/${tenant.id}/api-keys`, {
    name: "demo-mesh-seed",
    scopes: ["write"],
  });
  await seedDemoMesh(cfg.url, seedKey.key);
  await adminRequest(cfg, "DELETE", `/admin/tenants/${tenant.id}/api-keys/${seedKey.id}`);
  const password = randomBytes(18).toString("base64url");
  const username = existing ? `${DEMO.username.split("@")[0]}-${Date.now()}@demo.vigil.local` : DEMO.username;
  const user = await adminRequest(cfg, "POST", `/admin/tenants/${tenant.id}/users`, { username, password, role: DEMO.role });
  return saveCredentials({ tenant_id: tenant.id, user_id: user.id, username, password });
}

function saveCredentials(creds) {
  mkdirSync(dirname(CREDENTIALS), { recursive: true });
  writeFileSync(CREDENTIALS, JSON.stringify(creds, null, 2), { mode: 0o600 });
  return creds;
}

const cfg = adminConfig();
await waitForHealth(cfg.url);
let demo = await seedDemo(cfg);
if (!demo.agent) demo = saveCredentials({ ...demo, agent: await seedDemoAgent(cfg, demo) });
// Authorization codes are one-time and live 10 minutes, so every start mints a fresh one.
const signIn = await adminRequest(cfg, "POST", `/admin/tenants/${demo.tenant_id}/auth-codes`, {
  role: DEMO.role,
  user_id: demo.user_id,
});
console.log(`
  Vigil is listening on ${cfg.url}
    Console       ${cfg.url}/  sign in with the code ${signIn.code} (one use, 10 minutes)
                  or with the demo admin below; a new code: npm run admin -- auth-codes:create ${demo.tenant_id}
    API docs      ${cfg.url}/docs  (OpenAPI: ${cfg.url}/openapi.json)
    Admin API     Authorization: Bearer <ADMIN_TOKEN from .dev.vars>   e.g. npm run admin -- tenants:list
    Demo tenant   ${demo.tenant_id} (simulation mode: a threat event every few seconds; a 30-node mesh)
    Demo admin    ${demo.username} / ${demo.password}
    Demo agent    echo '{"exec_path":"/tmp/.x/miner","instances_in_30_pulses":95,"max_instances":100}' |
                    npm run agent -- --slug ${demo.agent.slug} --key ${demo.agent.key} --device ${demo.agent.device_id}
                  (saved in ${CREDENTIALS})
`);
