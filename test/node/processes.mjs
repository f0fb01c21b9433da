// Process plumbing shared by the scripts that run Vigil under `wrangler dev` (test/e2e/run.mjs,
// test/soak/stack.mjs): free ports, process groups, waiting for /healthz, and log tails.
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/** No metrics, no Cloudflare fetches, plain log text. */
export const QUIET = { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1", FORCE_COLOR: "0" };

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** A failure to set the stack up (as opposed to a test failing): reported without a stack trace. */
export class SetupError extends Error {}

export const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

/** Signals the whole process group of a child started with `detached: true` (wrangler and its workerd, a test runner and its browsers). */
export function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {}
  }
}

export const alive = (child) => Boolean(child) && child.exitCode === null && child.signalCode === null;

export const waitForExit = (child, ms) =>
  new Promise((resolve) => {
    if (!alive(child)) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

/** The last lines of a log file, colour codes removed. */
export function logTail(path, lines = 40) {
  try {
    const text = readFileSync(path, "utf8").replace(/\x1b\[[0-9;]*m/g, "");
    return text.trim().split("\n").slice(-lines).join("\n") || "(empty)";
  } catch {
    return "(no wrangler log)";
  }
}

/** Polls `${url}/healthz` until it answers 200; fails early when `child` (wrangler dev) exits. */
export async function waitForHealth(url, { child, tail, timeoutMs = 120_000 }) {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (!alive(child)) throw new SetupError(`wrangler dev exited before it answered /healthz:\n${tail()}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err.cause?.code ?? err.message;
    }
    await sleep(250);
  }
  throw new SetupError(`wrangler dev did not answer ${url}/healthz within ${seconds(timeoutMs)} (${last}):\n${tail()}`);
}

/** Stops a wrangler dev started as a group leader: SIGTERM, then whatever of the group is left (workerd can outlive a wrangler killed hard). */
export async function stopGroup(child, graceMs = 10_000) {
  if (!alive(child)) return;
  child.stopping = true;
  killGroup(child, "SIGTERM");
  await waitForExit(child, graceMs);
  killGroup(child, "SIGKILL");
}

/**
 * Stops what a script started on every way out: `killNow` (synchronous) on exit; `cleanup`, then
 * exit 1, on an uncaught error; `cleanup`, then exit 128 + the signal's number, on SIGINT, SIGTERM
 * or SIGHUP. Returns a getter for the signal that interrupted the run, null while none has.
 */
export function stopOnEveryExit({ name, stopping, cleanup, killNow }) {
  let interrupted = null;
  process.on("exit", killNow);
  for (const event of ["uncaughtException", "unhandledRejection"]) {
    process.on(event, (err) => {
      console.error(`${name}: ${event}: ${err?.stack ?? err}`);
      void cleanup().finally(() => process.exit(1));
    });
  }
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ]) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = signal;
      console.error(`\n${name}: ${signal}: ${stopping}`);
      void cleanup().finally(() => process.exit(code));
    });
  }
  return () => interrupted;
}
