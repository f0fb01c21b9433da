// vitest globalSetup (runs in Node): a real redis-server and the Upstash REST bridge in front
// of it, handed to the workerd tests as bindings. CI must have redis-server (.ci/run installs
// it); elsewhere the Upstash tests are skipped with a note when it is missing.
import { haveRedisServer, startRedisWithBridge } from "./upstash-bridge.mjs";

export default async function setup({ provide }) {
  if (!haveRedisServer()) {
    if (process.env.CI) throw new Error("redis-server is required in CI (apt-get install redis-server)");
    console.warn("redis-server not found: the Upstash rate-limit tests will be skipped");
    provide("upstashUrl", "");
    provide("upstashToken", "");
    return () => {};
  }
  const upstash = await startRedisWithBridge();
  provide("upstashUrl", upstash.url);
  provide("upstashToken", upstash.token);
  return () => upstash.close();
}
