// vitest globalSetup (runs in Node): a real redis-server and the Upstash REST bridge in front
// of it, and a webhook receiver, handed to the workerd tests as bindings. CI must have redis-server (.ci/run installs
// it); elsewhere the Upstash tests are skipped with a note when it is missing.
import { haveRedisServer, startRedisWithBridge } from "./upstash-bridge.mjs";
import { startWebhookReceiver } from "./webhook-receiver.mjs";

export default async function setup({ provide }) {
  const receiver = await startWebhookReceiver();
  provide("receiverUrl", receiver.url);
  if (!haveRedisServer()) {
    if (process.env.CI) throw new Error("redis-server is required in CI (apt-get install redis-server)");
    console.warn("redis-server not found: the Upstash rate-limit tests will be skipped");
    provide("upstashUrl", "");
    provide("upstashToken", "");
    return () => receiver.close();
  }
  const upstash = await startRedisWithBridge();
  provide("upstashUrl", upstash.url);
  provide("upstashToken", upstash.token);
  return async () => {
    await upstash.close();
    await receiver.close();
  };
}
