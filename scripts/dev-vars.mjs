// Creates .dev.vars from .dev.vars.example when it is missing; "generate" values become random tokens.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

export const DEV_VARS = ".dev.vars";

const fill = (text) => text.replace(/^([A-Z_]+)=generate$/gm, (_, key) => `${key}=${randomBytes(24).toString("base64url")}`);

/** Creates .dev.vars, or appends the keys a newer example added; existing values are kept. */
export function ensureDevVars() {
  const example = readFileSync(".dev.vars.example", "utf8");
  if (!existsSync(DEV_VARS)) {
    writeFileSync(DEV_VARS, fill(example), { mode: 0o600 });
    return true;
  }
  const present = readDevVars();
  const missing = example.split("\n").filter((line) => {
    const m = /^([A-Z_][A-Z0-9_]*)=/.exec(line);
    return m && !(m[1] in present);
  });
  if (missing.length) writeFileSync(DEV_VARS, `${readFileSync(DEV_VARS, "utf8").trimEnd()}\n${fill(missing.join("\n"))}\n`);
  return missing.length > 0;
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
  if (ensureDevVars()) console.log("Wrote .dev.vars from .dev.vars.example");
}
