// The soak test's local stack: a temporary directory, D1 migrations into a fresh state directory,
// `wrangler dev` on free ports in a process group of its own, and the workerd processes under it.
//
// The launch follows test/e2e/run.mjs; both take their process plumbing from
// test/node/processes.mjs. Secrets come from an env file in the temporary directory (`--env-file`, so the
// repository's .dev.vars is neither read nor written), with a fresh ADMIN_TOKEN and AUTH_SECRET.
//
// The Worker is bundled once, as `wrangler deploy` would (`--dry-run --outdir`), and wrangler dev
// serves that snapshot (`--no-bundle`): an edit to functions/ during a five-minute run would
// otherwise make wrangler dev rebuild and restart workerd mid-run, which voids the RSS comparison.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { wranglerSync } from "../../scripts/wrangler.mjs";
import {
  alive,
  freePort,
  killGroup,
  logTail as tailOf,
  QUIET,
  SetupError,
  stopGroup,
  waitForHealth,
} from "../node/processes.mjs";

export { freePort, SetupError };
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
/**
 * Not in test/e2e/run.mjs, and needed for a long run: wrangler dev's inspector proxy subscribes to
 * the runtime's DevTools Network events (four messages for every subrequest, D1 and Durable Object
 * calls included) and writes each to its debug log: about 100 MB per 5 minutes at 40 req/s in
 * ~/.config/.wrangler/logs, and the dev proxy's workerd grew 150 MiB a minute instead of 35.
 * VSCODE_INSPECTOR_OPTIONS turns that proxy off (wrangler's check for a VS Code debug terminal,
 * which attaches its own debugger); what is left of the debug log goes to the temporary directory.
 */
const soakEnv = (tmp) => ({ ...QUIET, VSCODE_INSPECTOR_OPTIONS: "1", WRANGLER_LOG_PATH: join(tmp, "wrangler-debug.log") });

/**
 * One stack per run. `workerLogLevel` is the Worker's LOG_LEVEL (`warn`, as `npm run bench` runs
 * it: no access line per request); `keep` leaves the temporary directory behind.
 */
export function createStack({ workerLogLevel = "warn", keep = false } = {}) {
  const tmp = mkdtempSync(join(tmpdir(), "vigil-soak-"));
  const state = join(tmp, "state");
  const logPath = join(tmp, "wrangler.log");
  const adminToken = randomBytes(24).toString("base64url");
  let wrangler = null;
  let port = null;
  let log = null;
  let cleaning = null;

  const logTail = (lines = 40) => tailOf(logPath, lines);

  function prepare() {
    // The Worker runs first for every path the soak uses; the assets only have to exist.
    mkdirSync(join(tmp, "assets"));
    writeFileSync(join(tmp, "assets/index.html"), "<!doctype html><title>Vigil soak</title>\n");
    const env = {
      ENVIRONMENT: "development",
      ADMIN_TOKEN: adminToken,
      AUTH_SECRET: randomBytes(32).toString("base64url"),
      LOG_LEVEL: workerLogLevel,
      UPSTASH_REDIS_REST_URL: "",
      UPSTASH_REDIS_REST_TOKEN: "",
    };
    const text = Object.entries(env).map(([k, v]) => `${k}=${v}\n`);
    writeFileSync(join(tmp, "soak.env"), text.join(""), { mode: 0o600 });
    const steps = [
      [
        "bundle (wrangler deploy --dry-run)",
        ["deploy", "--dry-run", "--outdir", join(tmp, "build"), "--assets", join(tmp, "assets")],
      ],
      ["D1 migrations", ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state]],
    ];
    for (const [name, args] of steps) {
      try {
        wranglerSync(args, { env: { CI: "true", ...soakEnv(tmp) }, stdio: ["ignore", "pipe", "pipe"] });
      } catch (err) {
        throw new SetupError(`${name} failed: ${String(err.stderr || err.stdout || err.message).slice(-2000)}`);
      }
    }
  }

  function spawnWrangler(inspectorPort) {
    log = createWriteStream(logPath, { flags: "a" });
    const args = [
      WRANGLER,
      "dev",
      join(tmp, "build/index.js"),
      "--no-bundle",
      // With a script outside the repository, wrangler would look for its config beside the script.
      "--config",
      join(ROOT, "wrangler.toml"),
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      "--inspector-port",
      String(inspectorPort),
      "--persist-to",
      state,
      "--assets",
      join(tmp, "assets"),
      "--env-file",
      join(tmp, "soak.env"),
      "--log-level",
      "warn",
      "--show-interactive-dev-session=false",
    ];
    wrangler = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, ...soakEnv(tmp) },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    wrangler.stdout.pipe(log, { end: false });
    wrangler.stderr.pipe(log, { end: false });
    const child = wrangler;
    child.on("exit", (code, signal) => {
      if (!cleaning && !child.stopping) console.error(`soak: wrangler dev exited (${signal ?? `exit ${code}`})\n${logTail()}`);
    });
  }

  async function stopWrangler() {
    await stopGroup(wrangler);
    log?.end();
    log = null;
  }

  /** Migrations, then wrangler dev on free ports (again on other ports when one was taken meanwhile). */
  async function start() {
    prepare();
    for (let attempt = 1; ; attempt++) {
      const inspectorPort = await freePort();
      port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      spawnWrangler(inspectorPort);
      try {
        await waitForHealth(url, { child: wrangler, tail: logTail });
        // /readyz touches D1 and a Durable Object: the first request of the run should not pay for that.
        const ready = await fetch(`${url}/readyz`);
        if (!ready.ok) throw new SetupError(`/readyz answered ${ready.status}: ${await ready.text()}`);
        return { url, admin: { url, token: adminToken } };
      } catch (err) {
        const clash = /EADDRINUSE|address already in use/i.test(logTail(200));
        if (!clash || attempt >= 3) throw err;
        console.log(`soak: port ${port} or ${inspectorPort} was taken; trying other ports`);
        await stopWrangler();
      }
    }
  }

  /**
   * The workerd processes in wrangler's process group, `[{pid, role, rssKiB}]`: wrangler dev runs
   * two, its dev proxy (listening on our port) and the runtime serving Vigil (on a port of its own).
   */
  function workerd() {
    if (!alive(wrangler)) return [];
    const out = [];
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        // comm is parenthesised and may hold spaces: the fields after it start past the last ')'.
        const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
        const pgrp = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
        if (comm !== "workerd" || pgrp !== wrangler.pid) continue;
        const rss = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${entry}/status`, "utf8"));
        const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
        const role = cmdline.includes(`--socket-addr=entry=127.0.0.1:${port}\0`) ? "proxy" : "runtime";
        if (rss) out.push({ pid: Number(entry), role, rssKiB: Number(rss[1]) });
      } catch {} // the process ended between listing and reading
    }
    return out.sort((a, b) => a.pid - b.pid);
  }

  function cleanup() {
    cleaning ??= (async () => {
      await stopWrangler();
      if (keep) console.log(`soak: kept ${tmp} (wrangler.log, wrangler-debug.log, state/)`);
      else rmSync(tmp, { recursive: true, force: true });
    })();
    return cleaning;
  }

  /** Last resort on a synchronous exit: nothing started here may outlive the run. */
  function killNow() {
    if (alive(wrangler)) killGroup(wrangler, "SIGKILL");
  }

  return { tmp, start, cleanup, killNow, workerd, logTail, running: () => alive(wrangler) };
}
