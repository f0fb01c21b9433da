// Fails when the committed worker-configuration.d.ts differs from what `wrangler types` generates now.
import { readFileSync, writeFileSync } from "node:fs";
import { ensureDevVars } from "./dev-vars.mjs";
import { wranglerSync } from "./wrangler.mjs";

const FILE = "worker-configuration.d.ts";
ensureDevVars();
const committed = readFileSync(FILE, "utf8");
try {
  wranglerSync(["types"], { stdio: ["ignore", "ignore", "inherit"] });
  if (readFileSync(FILE, "utf8") !== committed) {
    console.error(`${FILE} is stale: run \`npm run types\` and commit the result.`);
    process.exitCode = 1;
  } else {
    console.log(`${FILE} matches \`wrangler types\`.`);
  }
} finally {
  writeFileSync(FILE, committed);
}
