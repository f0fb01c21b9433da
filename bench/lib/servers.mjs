// Starts Vigil and the baseline straight on workerd through Miniflare: no `wrangler dev`
// proxy in front, so the figures are the runtime's, not a development proxy's.
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { wranglerSync } from "../../scripts/wrangler.mjs";

const BUILD = "bench/.build/vigil";
export const ADMIN_TOKEN = "bench-admin-token";

let built;
let fromWrangler;

/** wrangler.toml as Miniflare worker options, read once (wrangler prints a line each time it reads .dev.vars). */
export const wranglerWorkerOptions = () => (fromWrangler ??= unstable_getMiniflareWorkerOptions("wrangler.toml").workerOptions);

/**
 * Bundles Vigil once per process, as `wrangler deploy` would (`--dry-run --outdir`); keeps the
 * output folder and wrangler's own size line for the bundle report.
 */
export function vigilBuild() {
  if (!built) {
    rmSync(BUILD, { recursive: true, force: true });
    const out = String(wranglerSync(["deploy", "--dry-run", "--outdir", BUILD], { stdio: ["ignore", "pipe", "inherit"] }));
    built = { outdir: BUILD, scriptPath: join(BUILD, "index.js"), wranglerSize: out.match(/Total Upload: [^\n]*/)?.[0] ?? null };
  }
  return built;
}

async function applyMigrations(mf) {
  const db = await mf.getD1Database("DB");
  const dir = "schema/migrations";
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    for (const statement of readFileSync(join(dir, file), "utf8").split("--> statement-breakpoint")) {
      if (statement.trim()) await db.prepare(statement).run();
    }
  }
}

/**
 * Vigil's Miniflare options. `withAssets: false` drops the static-assets router that Miniflare puts
 * in front of the Worker (two extra Worker hops locally; on Cloudflare the asset check happens at
 * the edge), so the figure is Vigil's own stack. `upstash` switches the rate limiter to Upstash.
 */
export function vigilOptions({ withAssets = false, upstash = null } = {}) {
  const { scriptPath } = vigilBuild();
  const workerOptions = wranglerWorkerOptions();
  const { assets, ...rest } = workerOptions;
  return {
    host: "127.0.0.1",
    port: 0,
    workers: [
      {
        ...rest,
        ...(withAssets ? { assets } : {}),
        modules: true,
        scriptPath,
        // Access lines off, as a production deployment under load would run; plain HTTP on loopback allowed.
        bindings: {
          ...workerOptions.bindings,
          ENVIRONMENT: "development",
          LOG_LEVEL: "warn",
          ADMIN_TOKEN,
          AUTH_SECRET: "bench-auth-secret-0123456789",
          UPSTASH_REDIS_REST_URL: upstash?.url ?? "",
          UPSTASH_REDIS_REST_TOKEN: upstash?.token ?? "",
        },
      },
    ],
  };
}

export async function startVigil(options = {}) {
  const mf = new Miniflare(vigilOptions(options));
  const url = await mf.ready;
  await applyMigrations(mf);
  // The D1 handle lets scenarios seed bulk data (events, nodes) without going through the API's limits.
  return {
    url: url.origin,
    db: await mf.getD1Database("DB"),
    // Machine objects over Miniflare's RPC proxy, to fill claim logs without the API's limits.
    machines: await mf.getDurableObjectNamespace("MACHINE_STATE"),
    close: () => mf.dispose(),
  };
}

/** The baseline Worker's Miniflare options: the bare primitives, no framework. */
export const baselineOptions = ({ upstash = null } = {}) => ({
  host: "127.0.0.1",
  port: 0,
  modules: true,
  scriptPath: "bench/baseline-worker.mjs",
  compatibilityDate: "2026-04-20",
  d1Databases: ["DB"],
  durableObjects: { COUNTER: { className: "Counter", useSQLite: true } },
  bindings: { UPSTASH_URL: upstash?.url ?? "", UPSTASH_TOKEN: upstash?.token ?? "" },
});

export async function startBaseline({ upstash }) {
  const mf = new Miniflare(baselineOptions({ upstash }));
  const url = await mf.ready;
  const db = await mf.getD1Database("DB");
  await db.prepare("CREATE TABLE items (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, value TEXT NOT NULL)").run();
  const insert = db.prepare("INSERT INTO items (key, value) VALUES (?, ?)");
  await db.batch(Array.from({ length: 1000 }, (_, i) => insert.bind(`k${i}`, `value-${i}`)));
  return { url: url.origin, close: () => mf.dispose() };
}
