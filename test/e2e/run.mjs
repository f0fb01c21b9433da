// `npm run test:e2e`: the operator console end to end, in Debian's Chromium against `wrangler dev`.
//
// Builds the console into a temporary directory, applies the D1 migrations into a fresh temporary
// state directory, starts `wrangler dev` on a free port serving that build, seeds a tenant through
// the admin API (simulation mode, the 30-node demo mesh, one user per role), starts one headless
// Chromium, then runs test/e2e/*.test.mjs with node's test runner (one file at a time, each test in
// a fresh browser context). Everything it started is stopped on success, failure and Ctrl-C.
//
//   npm run test:e2e                               every test file
//   node test/e2e/run.mjs test/e2e/auth.test.mjs   only these files
//
// Environment: CHROMIUM_PATH (default /usr/bin/chromium); E2E_CONSOLE_DIR (serve this console
// build instead of building one); E2E_KEEP=1 (keep the temporary directory: wrangler log, D1 state);
// E2E_TIMEOUT_MS (the whole test phase, default 15 minutes); E2E_FILE_TIMEOUT_MS (one test file,
// default 10 minutes); E2E_TEST_TIMEOUT_MS (one test in withPage/withPages, default 2 minutes).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  freePort,
  killGroup,
  logTail as tailOf,
  QUIET,
  seconds,
  SetupError,
  stopGroup,
  stopOnEveryExit,
  waitForHealth,
} from "../node/processes.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const E2E_DIR = fileURLToPath(new URL(".", import.meta.url));
process.chdir(ROOT); // the project's scripts resolve .dev.vars and wrangler.toml from the repository root

const { adminRequest } = await import("../../scripts/admin-client.mjs");
const { seedDemoMesh } = await import("../../scripts/demo-mesh.mjs");
const { ensureDevVars, readDevVars } = await import("../../scripts/dev-vars.mjs");
const { chromium } = await import("playwright-core");

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const VITE = join(ROOT, "node_modules/vite/bin/vite.js");
const TEST_PHASE_TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_MS ?? 15 * 60_000);
// node --test applies its timeout to each file as a whole; helpers.mjs bounds each test.
const FILE_TIMEOUT_MS = Number(process.env.E2E_FILE_TIMEOUT_MS ?? 10 * 60_000);
const SCREENSHOTS = join(E2E_DIR, "screenshots");

const started = Date.now();
const timings = [];
async function phase(name, fn) {
  const t0 = Date.now();
  process.stdout.write(`e2e: ${name}…\n`);
  try {
    return await fn();
  } finally {
    timings.push({ name, ms: Date.now() - t0 });
  }
}

// ---------------------------------------------------------------------------------------------
// Everything started here, and how to stop it. Cleanup runs once, on every way out.
const tmp = mkdtempSync(join(tmpdir(), "vigil-e2e-"));
let wrangler = null;
let wranglerLog = null;
let browserServer = null;
let testRunner = null;
let cleaning = null;
/** The build and migration commands while they run. */
const helpers = new Set();

function cleanup() {
  cleaning ??= (async () => {
    if (testRunner && testRunner.exitCode === null) killGroup(testRunner, "SIGTERM");
    for (const child of helpers) child.kill("SIGTERM");
    await browserServer?.close().catch(() => {});
    await stopWrangler();
    if (process.env.E2E_KEEP === "1") console.log(`e2e: kept ${tmp} (wrangler.log, state/, console/)`);
    else rmSync(tmp, { recursive: true, force: true });
  })();
  return cleaning;
}

async function stopWrangler() {
  await stopGroup(wrangler);
  wranglerLog?.end();
  wranglerLog = null;
}

// Last resorts: nothing this started may outlive it (wrangler and the tests run in their own
// process groups, so a terminal's Ctrl-C does not reach them by itself).
const interrupted = stopOnEveryExit({
  name: "e2e",
  stopping: "stopping wrangler, Chromium and the tests",
  cleanup,
  killNow: () => {
    for (const child of [wrangler, testRunner, ...helpers]) if (child && child.exitCode === null) killGroup(child, "SIGKILL");
  },
});

// ---------------------------------------------------------------------------------------------
// Small process helpers.

/** Runs a command to completion; its output is shown only when it fails. */
function run(name, args, { env = {}, timeoutMs = 180_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, ...QUIET, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    helpers.add(child);
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      helpers.delete(child);
      if (code === 0) resolve(output);
      else
        reject(
          new SetupError(
            `${name} failed (${signal ? `killed by ${signal}${signal === "SIGKILL" ? `, over ${seconds(timeoutMs)}` : ""}` : `exit ${code}`}):\n${output.trim().split("\n").slice(-40).join("\n")}`,
          ),
        );
    });
  });
}

const logTail = (lines = 60) => tailOf(join(tmp, "wrangler.log"), lines);

// ---------------------------------------------------------------------------------------------
// The stack.

async function buildConsole() {
  if (process.env.E2E_CONSOLE_DIR) {
    const dir = resolve(process.env.E2E_CONSOLE_DIR);
    if (!existsSync(join(dir, "index.html"))) throw new SetupError(`E2E_CONSOLE_DIR=${dir} has no index.html`);
    return dir;
  }
  const out = join(tmp, "console");
  const args = [VITE, "build", "--config", "console/vite.config.ts", "--outDir", out, "--emptyOutDir", "--logLevel", "warn"];
  await run("console build (vite)", args);
  if (!existsSync(join(out, "index.html"))) throw new SetupError(`the console build wrote no ${out}/index.html`);
  return out;
}

async function migrate(state) {
  await run("D1 migrations", [WRANGLER, "d1", "migrations", "apply", "DB", "--local", "--persist-to", state], {
    env: { CI: "true" },
  });
}

async function startWrangler({ state, consoleDir, port, inspectorPort }) {
  wranglerLog = createWriteStream(join(tmp, "wrangler.log"), { flags: "a" });
  const args = [
    WRANGLER,
    "dev",
    "--port",
    String(port),
    "--ip",
    "127.0.0.1",
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    state,
    "--assets",
    consoleDir,
    "--log-level",
    "warn",
    "--show-interactive-dev-session=false",
  ];
  wrangler = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...QUIET },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  wrangler.stdout.pipe(wranglerLog, { end: false });
  wrangler.stderr.pipe(wranglerLog, { end: false });
  const child = wrangler;
  child.on("exit", (code, signal) => {
    if (!cleaning && !child.stopping)
      console.error(`e2e: wrangler dev exited unexpectedly (${signal ?? `exit ${code}`})\n${logTail()}`);
  });
}

/**
 * Starts wrangler dev on free ports and waits until it serves the API and the console. A port can
 * be taken between choosing it and wrangler binding it (other servers start on this machine too):
 * then it tries again on other ports.
 */
async function startServer({ state, consoleDir }) {
  for (let attempt = 1; ; attempt++) {
    const [port, inspectorPort] = [await freePort(), await freePort()];
    const apiUrl = `http://127.0.0.1:${port}`;
    await startWrangler({ state, consoleDir, port, inspectorPort });
    try {
      await waitForHealth(apiUrl, { child: wrangler, tail: logTail });
      await checkAssets(apiUrl);
      return port;
    } catch (err) {
      const clash = /EADDRINUSE|address already in use/i.test(logTail(200));
      if (!clash || attempt >= 3) throw err;
      console.log(`e2e: port ${port} or ${inspectorPort} was taken; trying other ports`);
      await stopWrangler();
    }
  }
}

/** The console must be served from the build (SPA fallback included), or every test fails confusingly. */
async function checkAssets(apiUrl) {
  for (const path of ["/", "/live"]) {
    const res = await fetch(apiUrl + path);
    const text = await res.text();
    if (!res.ok || !text.includes('id="app"'))
      throw new SetupError(`GET ${path} did not serve the console's index.html (HTTP ${res.status}): ${text.slice(0, 200)}`);
  }
}

const ROLES = ["admin", "analyst", "responder", "viewer"];

async function seed(admin, runId) {
  const tenant = await adminRequest(admin, "POST", "/admin/tenants", { name: `e2e-${runId}` });
  // Its hub generates threat events every few seconds, as the demo tenant's does.
  await adminRequest(admin, "PATCH", `/admin/tenants/${tenant.id}`, { mode: "simulation" });
  const seedKey = await adminRequest(admin, "POST", `/admin/tenants/${tenant.id}/api-keys`, {
    name: "e2e-mesh-seed",
    scopes: ["write"],
  });
  const mesh = await seedDemoMesh(admin.url, seedKey.key);
  await adminRequest(admin, "DELETE", `/admin/tenants/${tenant.id}/api-keys/${seedKey.id}`);
  const users = {};
  for (const role of ROLES) {
    // Usernames are unique across tenants; the run id keeps them apart from anything else.
    const username = `e2e-${role}-${runId}@e2e.vigil.local`;
    const password = randomBytes(18).toString("base64url");
    const user = await adminRequest(admin, "POST", `/admin/tenants/${tenant.id}/users`, { username, password, role });
    users[role] = { id: user.id, username, password, role };
  }
  return { tenantId: tenant.id, tenantName: tenant.name, users, mesh };
}

async function launchBrowser() {
  if (!existsSync(CHROMIUM))
    throw new SetupError(`Chromium not found at ${CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM_PATH`);
  try {
    return await chromium.launchServer({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 60_000,
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
  } catch (err) {
    throw new SetupError(`Chromium (${CHROMIUM}) did not start: ${err.message}`);
  }
}

const namedFiles = () => process.argv.slice(2).filter((a) => !a.startsWith("-"));

function testFiles() {
  const named = namedFiles();
  if (named.length) return named.map((f) => resolve(f));
  return readdirSync(E2E_DIR)
    .filter((f) => f.endsWith(".test.mjs"))
    .sort()
    .map((f) => join(E2E_DIR, f));
}

async function runTests(files, configPath) {
  const summaryPath = join(tmp, "summary.json");
  const args = [
    "--test",
    "--test-concurrency=1",
    `--test-timeout=${FILE_TIMEOUT_MS}`,
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    `--test-reporter=${join(E2E_DIR, "summary-reporter.mjs")}`,
    `--test-reporter-destination=${summaryPath}`,
    ...files,
  ];
  testRunner = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, E2E_CONFIG: configPath },
    stdio: "inherit",
    detached: true,
  });
  let timedOut = false;
  const watchdog = setTimeout(() => {
    timedOut = true;
    console.error(`e2e: the tests ran over ${seconds(TEST_PHASE_TIMEOUT_MS)}: stopping them`);
    killGroup(testRunner, "SIGKILL");
  }, TEST_PHASE_TIMEOUT_MS);
  const code = await new Promise((r) => testRunner.on("exit", (c, s) => r(c ?? (s ? 1 : 0))));
  clearTimeout(watchdog);
  let summary = null;
  try {
    summary = JSON.parse(readFileSync(summaryPath, "utf8"));
  } catch {}
  return { code: timedOut ? 1 : code, summary, timedOut };
}

function printSummary({ code, summary, timedOut }) {
  const tests = summary?.tests ?? [];
  const count = (s) => tests.filter((t) => t.status === s).length;
  console.log("\n── e2e summary ──────────────────────────────────────────────");
  for (const t of timings) console.log(`  ${t.name.padEnd(34)} ${seconds(t.ms).padStart(8)}`);
  console.log(`  ${"total".padEnd(34)} ${seconds(Date.now() - started).padStart(8)}`);
  console.log(
    `  tests: ${count("passed")} passed, ${count("failed")} failed, ${count("skipped")} skipped, ${count("todo")} todo` +
      (timedOut ? " (stopped: phase timeout)" : ""),
  );
  const slow = tests
    .filter((t) => t.status === "passed" && t.nesting === 0)
    .sort((a, b) => b.durationMs - a.durationMs)
    .slice(0, 5);
  if (slow.length) console.log(`  slowest: ${slow.map((t) => `${t.name} (${seconds(t.durationMs)})`).join("; ")}`);
  for (const t of tests.filter((t) => t.status === "failed" && t.error))
    console.log(`  FAILED ${t.file ? `${relative(ROOT, t.file)} › ` : ""}${t.name}\n    ${t.error.split("\n").join("\n    ")}`);
  if (interrupted()) console.log(`  interrupted (${interrupted()})`);
  else if (code !== 0 && !tests.length) console.log("  the test runner failed before reporting any test");
  if (!interrupted() && (count("failed") || code !== 0)) {
    console.log(`  failure screenshots: ${relative(ROOT, join(SCREENSHOTS, "failures"))}/`);
    console.log(`  wrangler log (last lines):\n${logTail(25).replace(/^/gm, "    ")}`);
  }
  console.log(`  screenshots: ${relative(ROOT, SCREENSHOTS)}/`);
  console.log("─────────────────────────────────────────────────────────────");
}

// ---------------------------------------------------------------------------------------------

let exitCode = 1;
try {
  if (ensureDevVars()) console.log("e2e: created .dev.vars with a fresh ADMIN_TOKEN");
  const adminToken = readDevVars().ADMIN_TOKEN;
  if (!adminToken) throw new SetupError(".dev.vars has no ADMIN_TOKEN");
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
  const state = join(tmp, "state");
  const [consoleDir] = await phase("build console + D1 migrations", () => Promise.all([buildConsole(), migrate(state)]));
  const port = await phase("start wrangler dev", () => startServer({ state, consoleDir }));
  // The browser uses localhost: the session cookie is Secure, which Chromium accepts on http://localhost.
  const baseUrl = `http://localhost:${port}`;
  const apiUrl = `http://127.0.0.1:${port}`;
  const admin = { url: apiUrl, token: adminToken };
  const seeded = await phase("seed tenant, mesh, users", () => seed(admin, runId));
  browserServer = await phase("start Chromium", launchBrowser);
  // A full run replaces every screenshot; a run of named files only the failure screenshots.
  rmSync(namedFiles().length ? join(SCREENSHOTS, "failures") : SCREENSHOTS, { recursive: true, force: true });
  mkdirSync(join(SCREENSHOTS, "failures"), { recursive: true });
  const configPath = join(tmp, "config.json");
  const config = {
    runId,
    baseUrl,
    apiUrl,
    adminToken,
    ...seeded,
    wsEndpoint: browserServer.wsEndpoint(),
    screenshotsDir: SCREENSHOTS,
  };
  writeFileSync(configPath, JSON.stringify(config, null, 2), { mode: 0o600 });
  console.log(`e2e: Vigil on ${baseUrl}, tenant ${seeded.tenantId}, Chromium ${browserServer.process().pid}`);
  const files = testFiles();
  const result = await phase(`tests (${files.length} files)`, () => runTests(files, configPath));
  exitCode = result.code === 0 ? 0 : 1;
  printSummary(result);
} catch (err) {
  // After Ctrl-C the stack is going away under the run: its errors are not the news.
  if (interrupted()) await new Promise(() => {});
  console.error(`\ne2e: setup failed: ${err instanceof SetupError ? err.message : (err.stack ?? err)}`);
  exitCode = 1;
} finally {
  await cleanup();
}
if (interrupted()) await new Promise(() => {}); // the signal handler exits, with 128 + the signal
console.log(`e2e: ${exitCode === 0 ? "passed" : "FAILED"} in ${seconds(Date.now() - started)}`);
process.exit(exitCode);
