// Imports some of the Worker's TypeScript modules into Node (benchmarks, the dev smoke test):
// esbuild bundles the given export lines into a temporary file — a real file, so CommonJS
// dependencies get a working require() — which is imported and then removed.
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

export async function importBundled(name, exportLines) {
  const outfile = join(tmpdir(), `vigil-${name}-${process.pid}.mjs`);
  await build({
    stdin: { contents: exportLines.join("\n"), resolveDir: process.cwd(), loader: "ts" },
    bundle: true,
    format: "esm",
    platform: "node",
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    outfile,
    logLevel: "error",
  });
  try {
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(outfile, { force: true });
  }
}
