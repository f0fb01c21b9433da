// The deployed bundle and its start-up: the size of what `wrangler deploy --dry-run --outdir` wrote
// (the bench's own build), raw and gzip, against Workers' compressed-size limits (3 MiB free,
// 10 MiB paid; source maps are uploaded apart and do not count), and two start-up figures, each the
// median of fresh workerd processes (no warm isolate, no code cache):
// - import: a probe Worker on workerd times `await import()` of the bundle (parse, compile and run
//   its top level), against the same probe importing the baseline Worker;
// - first response: `new Miniflare(...)` with Vigil's whole configuration until GET /healthz answers,
//   against the baseline Worker's configuration until GET /bare answers.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { Miniflare } from "miniflare";
import { median } from "./measure.mjs";
import { baselineOptions, vigilBuild, vigilOptions, wranglerWorkerOptions } from "./servers.mjs";

const MIB = 1024 * 1024;
export const BUNDLE_LIMITS = { free_gzip_bytes: 3 * MIB, paid_gzip_bytes: 10 * MIB };
/** Workers' limit on a Worker's start-up (parsing and running its global scope). */
export const STARTUP_LIMIT_MS = 1000;

export function bundleSize() {
  const { outdir, wranglerSize } = vigilBuild();
  const files = readdirSync(outdir)
    .filter((name) => /\.(m?js|wasm)$/.test(name) && statSync(join(outdir, name)).isFile())
    .map((name) => {
      const bytes = readFileSync(join(outdir, name));
      return { name, raw_bytes: bytes.length, gzip_bytes: gzipSync(bytes).length };
    });
  const raw = files.reduce((n, f) => n + f.raw_bytes, 0);
  const gzip = files.reduce((n, f) => n + f.gzip_bytes, 0);
  return {
    files,
    raw_bytes: raw,
    gzip_bytes: gzip,
    wrangler: wranglerSize,
    x_free_limit: +(gzip / BUNDLE_LIMITS.free_gzip_bytes).toFixed(3),
    x_paid_limit: +(gzip / BUNDLE_LIMITS.paid_gzip_bytes).toFixed(3),
  };
}

const PROBE = `export default {
  async fetch() {
    const start = performance.now();
    const mod = await import("./target.js");
    return Response.json({ ms: performance.now() - start, exports: Object.keys(mod).length });
  },
};`;

/** Milliseconds for one fresh workerd to import `contents` (with the project's compatibility settings). */
async function importOnce(contents, extra) {
  const workerOptions = wranglerWorkerOptions();
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    workers: [
      {
        name: "probe",
        compatibilityDate: workerOptions.compatibilityDate,
        compatibilityFlags: workerOptions.compatibilityFlags,
        modulesRoot: "/probe",
        modules: [
          { type: "ESModule", path: "/probe/probe.mjs", contents: PROBE },
          { type: "ESModule", path: "/probe/target.js", contents },
          ...extra,
        ],
      },
    ],
  });
  try {
    const res = await fetch(await mf.ready);
    if (!res.ok) throw new Error(`import probe → ${res.status} ${await res.text()}`);
    return (await res.json()).ms;
  } finally {
    await mf.dispose();
  }
}

/**
 * From constructing Miniflare to the first 200: workerd's start, the Worker's load, one request.
 * The module is handed over as contents: given a script path, Miniflare parses the 5 MB bundle in
 * Node to find its imports, which takes longer than workerd's whole start and is no part of a deploy.
 */
async function firstResponseOnce(options, path) {
  const [worker] = options.workers ?? [options];
  const { scriptPath } = worker;
  delete worker.scriptPath;
  worker.modules = [{ type: "ESModule", path: resolve(scriptPath), contents: readFileSync(scriptPath, "utf8") }];
  if (worker.bindings?.LOG_LEVEL) worker.bindings.LOG_LEVEL = "error"; // no tables here: the metrics flush would warn
  const start = performance.now();
  const mf = new Miniflare(options);
  try {
    const url = await mf.ready;
    const ready = performance.now() - start;
    const res = await fetch(new URL(path, url));
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${path} → ${res.status}`);
    return { ready, total: performance.now() - start };
  } finally {
    await mf.dispose();
  }
}

const ms = (values) => +median(values).toFixed(1);

export async function measureStartup({ samples = 5 } = {}) {
  const { outdir, scriptPath } = vigilBuild();
  const vigil = readFileSync(scriptPath, "utf8");
  // Any further modules wrangler wrote (none today) go along under their own names.
  const extra = readdirSync(outdir)
    .filter((n) => n !== "index.js" && /\.(m?js|wasm)$/.test(n))
    .map((n) => ({
      type: n.endsWith(".wasm") ? "CompiledWasm" : "ESModule",
      path: `/probe/${n}`,
      contents: readFileSync(join(outdir, n)),
    }));
  const baseline = readFileSync("bench/baseline-worker.mjs", "utf8");
  const imports = { vigil: [], baseline: [] };
  const first = { vigil: [], baseline: [] };
  // Interleaved, so drift on a shared machine hits both alike.
  for (let i = 0; i < samples; i++) {
    imports.vigil.push(await importOnce(vigil, extra));
    imports.baseline.push(await importOnce(baseline, []));
    first.vigil.push(await firstResponseOnce(vigilOptions(), "/healthz"));
    first.baseline.push(await firstResponseOnce(baselineOptions(), "/bare"));
  }
  return {
    samples,
    import_ms: { vigil: ms(imports.vigil), baseline: ms(imports.baseline), samples: imports },
    import_minus_baseline_ms: +(median(imports.vigil) - median(imports.baseline)).toFixed(1),
    first_response_ms: {
      vigil: ms(first.vigil.map((f) => f.total)),
      baseline: ms(first.baseline.map((f) => f.total)),
      vigil_ready: ms(first.vigil.map((f) => f.ready)),
      baseline_ready: ms(first.baseline.map((f) => f.ready)),
    },
    first_response_minus_baseline_ms: +(
      median(first.vigil.map((f) => f.total)) - median(first.baseline.map((f) => f.total))
    ).toFixed(1),
    limit_ms: STARTUP_LIMIT_MS,
  };
}

export async function measureBundle() {
  return { size: bundleSize(), startup: await measureStartup() };
}

const kib = (bytes) => `${(bytes / 1024).toLocaleString("en", { maximumFractionDigits: 1 })} KiB`;

export function bundleMarkdown(b) {
  if (!b) return "";
  const { size: s, startup: t } = b;
  return [
    "\n| bundle (`wrangler deploy --dry-run --outdir`) | raw | gzip | × free limit (3 MiB gzip) | × paid limit (10 MiB gzip) |",
    "|---|---:|---:|---:|---:|",
    `| ${s.files.map((f) => f.name).join(", ")} | ${kib(s.raw_bytes)} | ${kib(s.gzip_bytes)} | ${s.x_free_limit} | ${s.x_paid_limit} |`,
    `\nwrangler's own figure: ${s.wrangler ?? "not printed"}. Source maps are uploaded apart and do not count toward the limit.`,
    `\n| start-up (median of ${t.samples} fresh workerd processes) | Vigil ms | baseline Worker ms | Vigil − baseline ms |`,
    "|---|---:|---:|---:|",
    `| import the bundle in workerd (parse, compile, run the top level) | ${t.import_ms.vigil} | ${t.import_ms.baseline} | ${t.import_minus_baseline_ms} |`,
    `| new Miniflare → first 200 (whole configuration; of which ready: ${t.first_response_ms.vigil_ready} / ${t.first_response_ms.baseline_ready}) | ${t.first_response_ms.vigil} | ${t.first_response_ms.baseline} | ${t.first_response_minus_baseline_ms} |`,
    `\nThe import row is the Worker's own start-up, against Workers' ${t.limit_ms} ms start-up limit; the second row adds workerd's process start and Vigil's larger configuration (seven Durable Object classes, two queues, D1), so it bounds the start-up from above.\n`,
  ].join("\n");
}
