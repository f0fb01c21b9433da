// The README's first command, end to end: `npm run dev` on a fresh state directory must
// start Vigil, seed the demo tenant, print how to sign in, and serve the admin CLI.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkAgentLoop } from "./agent-loop.mjs";
import { checkConsensusLoop } from "./consensus-loop.mjs";

const results = [];
function check(name, ok, detail = "") {
  results.push(ok);
  console.log(`${ok ? "ok" : "FAIL"} - ${name}${ok || !detail ? "" : `: ${detail}`}`);
}

const freePort = () =>
  new Promise((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

const port = String(await freePort());
const state = mkdtempSync(join(tmpdir(), "vigil-dev-"));
const env = { ...process.env, PORT: port, VIGIL_STATE_DIR: state };
const dev = spawn(process.execPath, ["scripts/dev.mjs"], { env, stdio: ["ignore", "pipe", "pipe"] });
let output = "";
dev.stdout.on("data", (d) => (output += d));
dev.stderr.on("data", (d) => (output += d));

const banner = await new Promise((resolve) => {
  const started = Date.now();
  const timer = setInterval(() => {
    const m = /Demo admin\s+(\S+) \/ (\S+)/.exec(output);
    if (m || Date.now() - started > 180_000 || dev.exitCode !== null) {
      clearInterval(timer);
      resolve(m);
    }
  }, 200);
});

try {
  check(
    "npm run dev prints where it listens",
    output.includes(`Vigil is listening on http://localhost:${port}`),
    output.slice(-2000),
  );
  check("npm run dev prints the demo admin's credentials", Boolean(banner));
  const admin = (...args) =>
    JSON.parse(execFileSync(process.execPath, ["scripts/admin.mjs", ...args], { env, encoding: "utf8" }));
  const tenants = admin("tenants:list");
  check(
    "the demo tenant is seeded",
    tenants.some((t) => t.name === "demo"),
  );
  const created = admin("tenants:create", "smoke-co");
  check("admin CLI creates a tenant", /^ten_[0-9a-f]{32}$/.test(created.id));
  const user = admin("users:create", created.id, "smoke@smoke.co", "analyst");
  check("admin CLI creates a user and prints a generated password once", /^usr_/.test(user.id) && user.password?.length >= 20);
  const key = admin("api-keys:create", created.id, "smoke-key", "read,write", "--header", "X-Zeq-SM-Key");
  check("admin CLI creates an agent-claims API key", /^zsm_/.test(key.key));
  check("admin CLI revokes it", admin("api-keys:revoke", created.id, key.id).revoked === key.id);
  const code = admin("auth-codes:create", created.id, "responder");
  const exchange = await fetch(`http://localhost:${port}/api/auth`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ code: code.code }),
  });
  check(
    "a CLI-minted code signs in to the command console",
    exchange.status === 200 && exchange.headers.get("set-cookie")?.includes("qecnet_session="),
  );
  const oauthClient = admin("oauth-clients:create", created.id, "standard", "quantum:read");
  const token = await fetch(`http://localhost:${port}/v3/oauth/token`, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      Authorization: `Basic ${btoa(`${oauthClient.client_id}:${oauthClient.client_secret}`)}`,
    },
    body: "grant_type=client_credentials",
  });
  check("a CLI-registered OAuth client gets a token", token.status === 200);
  const login = await fetch(`http://localhost:${port}/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: banner?.[1], password: banner?.[2] }),
  });
  check("the printed demo credentials sign in", login.status === 200);
  // The demo tenant starts in simulation mode: its stream must be alive on first run.
  const demoTenant = tenants.find((t) => t.name === "demo");
  const demoCode = admin("auth-codes:create", demoTenant.id, "viewer");
  const session = await fetch(`http://localhost:${port}/api/auth`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ code: demoCode.code }),
  });
  const cookie = session.headers.get("set-cookie")?.split(";")[0] ?? "";
  const status = await (await fetch(`http://localhost:${port}/api/events`, { headers: { Cookie: cookie } })).json();
  check("the demo tenant's event stream is in simulation mode", status.mode === "simulation" && status.status === "operational");
  const mesh = await (await fetch(`http://localhost:${port}/api/mesh/nodes`, { headers: { Cookie: cookie } })).json();
  check("the demo tenant has a seeded mesh", mesh.nodes?.length === 30);
  let events = [];
  for (let i = 0; i < 60 && !events.length; i++) {
    await new Promise((r) => setTimeout(r, 500));
    events =
      (await (await fetch(`http://localhost:${port}/api/events/history?limit=5`, { headers: { Cookie: cookie } })).json())
        .events ?? [];
  }
  check(
    "the demo tenant's stream produces threat events on first run",
    events.length > 0 && /^[A-Z]{2}$/.test(events[0].countryCode),
  );
  const demo = JSON.parse(readFileSync(join(state, "demo-credentials.json"), "utf8"));
  await checkAgentLoop({ base: `http://localhost:${port}`, env, demo, sessionCookie: cookie, check });
  await checkConsensusLoop({ base: `http://localhost:${port}`, env, tenantId: created.id, admin, check });
  const ready = await fetch(`http://localhost:${port}/readyz`);
  check("the local Worker is ready (D1 and Durable Object)", ready.status === 200);
  const landing = await fetch(`http://localhost:${port}/`);
  check(
    "the operator console is served at /",
    landing.status === 200 && (await landing.text()).includes("<title>Vigil console</title>"),
  );
  // A browser navigating to a console path gets the app; to one of the Worker's own paths, the Worker.
  const navigate = { headers: { "Sec-Fetch-Mode": "navigate", Accept: "text/html" } };
  const deep = await fetch(`http://localhost:${port}/incidents/INC-2026-001`, navigate);
  const health = await fetch(`http://localhost:${port}/healthz`, navigate);
  check(
    "console deep links fall back to the app; the Worker's paths stay the Worker's",
    deep.status === 200 && (await deep.text()).includes('<div id="app">') && (await health.json()).status === "ok",
  );
} catch (err) {
  check("smoke run", false, err.stack);
} finally {
  dev.kill("SIGTERM");
  await new Promise((r) => (dev.exitCode !== null ? r() : dev.on("exit", r)));
  rmSync(state, { recursive: true, force: true });
}

const failed = results.filter((ok) => !ok).length;
console.log(`dev smoke: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
