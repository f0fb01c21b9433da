// vitest globalSetup (runs in Node): a real redis-server and the Upstash REST bridge in front
// of it, handed to the workerd tests as bindings. CI must have redis-server (.ci/run installs
// it); elsewhere the Upstash tests are skipped with a note when it is missing.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { startBridge } from "./upstash-bridge.mjs";

const freePort = () =>
  new Promise((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

async function waitForRedis(port) {
  for (let i = 0; i < 100; i++) {
    if (spawnSync("redis-cli", ["-p", String(port), "ping"], { encoding: "utf8" }).stdout?.trim() === "PONG") return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("redis-server did not start");
}

export default async function setup({ provide }) {
  if (spawnSync("redis-server", ["--version"]).status !== 0) {
    if (process.env.CI) throw new Error("redis-server is required in CI (apt-get install redis-server)");
    console.warn("redis-server not found: the Upstash rate-limit tests will be skipped");
    provide("upstashUrl", "");
    provide("upstashToken", "");
    return () => {};
  }
  const port = await freePort();
  const redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  await waitForRedis(port);
  const token = randomBytes(16).toString("hex");
  const bridge = await startBridge({ redisUrl: `redis://127.0.0.1:${port}`, token });
  provide("upstashUrl", bridge.url);
  provide("upstashToken", token);
  return async () => {
    await bridge.close();
    redis.kill("SIGTERM");
  };
}
