// Writes the generated OpenAPI document to a file by asking the real app for /openapi.json in Node.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { build } from "esbuild";

const out = process.argv[2] ?? "dist/openapi.json";
const bundle = "dist/openapi-app.mjs";
mkdirSync(dirname(bundle), { recursive: true });
await build({
  entryPoints: ["functions/app.ts"],
  bundle: true,
  format: "esm",
  platform: "node",
  packages: "external",
  outfile: bundle,
  logLevel: "warning",
});
const { buildApp } = await import(new URL(`../${bundle}`, import.meta.url).href);
const env = { ENVIRONMENT: "development", LOG_LEVEL: "warn" };
const res = await buildApp().request("http://localhost:8787/openapi.json", {}, env);
if (res.status !== 200) throw new Error(`/openapi.json answered ${res.status}: ${await res.text()}`);
const doc = await res.json();
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
console.log(`OpenAPI ${doc.openapi}: ${Object.keys(doc.paths).length} paths written to ${out}`);
