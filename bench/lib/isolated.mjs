// Runs a CPU measurement in a fresh Node process (with --expose-gc), away from the harness's own
// heap, its sockets (a thousand WebSocket subscribers at a time) and Miniflare's in-process servers:
// their garbage collection and I/O would otherwise land in figures measured in microseconds.
import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SELF = fileURLToPath(import.meta.url);

/** Calls export `name` of `module` (a path relative to bench/lib) in a child process and returns its JSON result. */
export async function isolated(module, name, args = []) {
  const out = join(tmpdir(), `vigil-bench-${process.pid}-${name}.json`);
  const child = spawn(process.execPath, ["--expose-gc", SELF, module, name, out, JSON.stringify(args)], { stdio: "inherit" });
  const code = await new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", resolve);
  });
  try {
    if (code !== 0) throw new Error(`${name} (${module}) in a child process exited with ${code}`);
    return JSON.parse(readFileSync(out, "utf8"));
  } finally {
    rmSync(out, { force: true });
  }
}

if (process.argv[1] === SELF) {
  const [module, name, out, args] = process.argv.slice(2);
  const measure = (await import(new URL(module, import.meta.url).href))[name];
  writeFileSync(out, JSON.stringify(await measure(...JSON.parse(args))));
}
