// Shared helpers for the console's end-to-end tests. run.mjs starts the stack and passes it here
// through E2E_CONFIG (a JSON file): the URLs, the admin token, the seeded tenant and its users, and
// the Chromium server to connect to. Every test gets a fresh browser context (`withPage`).
//
// Rate limits: `/api/auth` allows 5 requests a minute per client IP and the credential endpoints
// 10. The Worker reads the client IP from CF-Connecting-IP, which `wrangler dev` passes through, so
// every browser context and every Node-side client here presents an address of its own (from the
// 2001:db8::/32 documentation range) and the tests behave like separate clients.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";

// ---------------------------------------------------------------------------------------------
// Configuration from run.mjs.

function loadConfig() {
  const path = process.env.E2E_CONFIG;
  if (!path) throw new Error("E2E_CONFIG is not set: run the end-to-end tests with `npm run test:e2e`");
  return JSON.parse(readFileSync(path, "utf8"));
}

/**
 * `{ runId, baseUrl, apiUrl, adminToken, tenantId, tenantName, users: {admin, analyst, responder,
 * viewer}: {id, username, password, role}, mesh: {nodes, links}, wsEndpoint, screenshotsDir }`.
 * `baseUrl` (http://localhost:port) is for the browser; `apiUrl` (127.0.0.1) for Node-side calls.
 */
export const config = loadConfig();
export const { users } = config;

/** The console's main views: path, navigation label, and the document title it sets. */
export const VIEWS = [
  { path: "/live", label: "Live threats", name: "live" },
  { path: "/mesh", label: "Mesh", name: "mesh" },
  { path: "/incidents", label: "Incidents", name: "incidents" },
  { path: "/agents", label: "Agents & consensus", name: "agents" },
  { path: "/canaries", label: "Canaries", name: "canaries" },
  { path: "/machines", label: "Machines", name: "machines" },
].map((v) => ({ ...v, title: `${v.label} · Vigil` }));

export const SESSION_COOKIE = "qecnet_session";

/**
 * Default waits: generous for a shared 2-core machine, bounded so a hang fails with a message.
 * `test` bounds one test run through withPage/withPages (E2E_TEST_TIMEOUT_MS, default 2 minutes).
 */
export const TIMEOUTS = {
  action: 15_000,
  navigation: 30_000,
  console: 20_000,
  test: Number(process.env.E2E_TEST_TIMEOUT_MS ?? 120_000),
};

/** Runs `fn`, failing after `ms` with `message` (the caller's cleanup then closes the browser context under it). */
export async function bounded(fn, ms, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([fn(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A client address of its own (see the note at the top): an IPv6 address in 2001:db8::/32. */
export function uniqueIp() {
  const hex = randomBytes(12).toString("hex");
  return `2001:db8:${hex.match(/.{4}/g).join(":")}`;
}

/**
 * Retries `fn` until it resolves without throwing (and not with `false`), for at most `timeout`
 * ms; then fails with `message` and the last error. Use it for conditions on the API side.
 */
export async function eventually(fn, { timeout = 10_000, interval = 250, message = "condition" } = {}) {
  const deadline = Date.now() + timeout;
  let last = null;
  for (;;) {
    try {
      const value = await fn();
      if (value !== false) return value;
      last = null;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline)
      throw new Error(`${message}: not met within ${timeout} ms${last ? ` (last error: ${last.message})` : ""}`, {
        cause: last ?? undefined,
      });
    await sleep(interval);
  }
}
