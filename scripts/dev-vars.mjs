// Creates .dev.vars from .dev.vars.example when it is missing; "generate" values become random tokens.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

export const DEV_VARS = ".dev.vars";

export function ensureDevVars() {
  if (existsSync(DEV_VARS)) return false;
  const example = readFileSync(".dev.vars.example", "utf8");
  const filled = example.replace(/^([A-Z_]+)=generate$/gm, (_, key) => `${key}=${randomBytes(24).toString("base64url")}`);
  writeFileSync(DEV_VARS, filled, { mode: 0o600 });
  return true;
}

export function readDevVars() {
  const vars = {};
  for (const line of readFileSync(DEV_VARS, "utf8").split("\n")) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) vars[m[1]] = m[2];
  }
  return vars;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (ensureDevVars()) console.log("Created .dev.vars from .dev.vars.example");
}
