// Runs the project's pinned wrangler directly with this Node, without npx in between.
import { execFileSync, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../node_modules/wrangler/bin/wrangler.js", import.meta.url));
const quiet = { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };

export function wranglerSync(args, { env = {}, stdio = ["ignore", "inherit", "inherit"] } = {}) {
  return execFileSync(process.execPath, [BIN, ...args], { stdio, env: { ...process.env, ...quiet, ...env } });
}

export function wranglerSpawn(args, { env = {}, stdio = "inherit" } = {}) {
  return spawn(process.execPath, [BIN, ...args], { stdio, env: { ...process.env, ...quiet, ...env } });
}
