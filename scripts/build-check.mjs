// Bundles the Worker exactly as `wrangler deploy` would, without uploading, and prints its size.
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { wranglerSync } from "./wrangler.mjs";

const outdir = "dist/worker";
rmSync(outdir, { recursive: true, force: true });
wranglerSync(["deploy", "--dry-run", "--outdir", outdir], { stdio: ["ignore", "ignore", "inherit"] });
let raw = 0;
let gzip = 0;
for (const name of readdirSync(outdir)) {
  const file = join(outdir, name);
  if (!statSync(file).isFile() || !/\.(m?js|wasm)$/.test(name)) continue;
  raw += statSync(file).size;
  gzip += gzipSync(readFileSync(file)).length;
}
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`Worker bundle: ${kib(raw)} raw, ${kib(gzip)} gzip (limits: 3 MiB free, 10 MiB paid, compressed)`);
