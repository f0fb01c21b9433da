// A local server speaking the Upstash Redis REST protocol in front of a real redis-server,
// so the Upstash rate-limit backend is tested against real Redis semantics and Lua.
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import { createClient } from "redis";

const sha1 = (text) => createHash("sha1").update(text).digest("hex");

/** @upstash/ratelimit's scripts start with `#!lua flags=allow-key-locking`, a flag stock Redis rejects. */
const stripShebang = (script) => (script.startsWith("#!lua") ? script.slice(script.indexOf("\n") + 1) : script);

function encode(value) {
  if (typeof value === "string") return Buffer.from(value, "utf8").toString("base64");
  if (Array.isArray(value)) return value.map(encode);
  return value;
}

export async function startBridge({ redisUrl, token }) {
  const redis = createClient({ url: redisUrl });
  await redis.connect();
  /** Upstash's script hashes (with the shebang) → the stripped script, which Redis caches by its own hash. */
  const scripts = new Map();

  async function run(command) {
    const args = command.map(String);
    const name = args[0].toUpperCase();
    if (name === "EVAL") {
      const script = stripShebang(args[1]);
      scripts.set(sha1(args[1]), script);
      return redis.sendCommand(["EVAL", script, ...args.slice(2)]);
    }
    if (name === "EVALSHA") {
      const script = scripts.get(args[1].toLowerCase());
      if (!script) throw new Error("NOSCRIPT No matching script. Please use EVAL.");
      try {
        return await redis.sendCommand(["EVALSHA", sha1(script), ...args.slice(2)]);
      } catch (err) {
        if (!String(err.message).startsWith("NOSCRIPT")) throw err;
        return redis.sendCommand(["EVAL", script, ...args.slice(2)]);
      }
    }
    return redis.sendCommand(args);
  }

  const settle = async (command, base64) => {
    try {
      const result = await run(command);
      return { result: base64 ? encode(result) : result };
    } catch (err) {
      return { error: err.message };
    }
  };

  const server = createServer(async (req, res) => {
    const reply = (status, body) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "POST") return reply(405, { error: "Method not allowed" });
    if (req.headers.authorization !== `Bearer ${token}`) return reply(401, { error: "Unauthorized" });
    let body;
    try {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      return reply(400, { error: "ERR failed to parse command" });
    }
    const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    const path = new URL(req.url, "http://bridge").pathname;
    if (path === "/pipeline" || path === "/multi-exec") {
      if (!Array.isArray(body) || !body.every(Array.isArray)) return reply(400, { error: "ERR expected an array of commands" });
      // multi-exec: run serially under one connection; the limiter's scripts are atomic on their own.
      const results = [];
      for (const command of body) results.push(await settle(command, base64));
      return reply(200, results);
    }
    if (!Array.isArray(body)) return reply(400, { error: "ERR expected a command array" });
    const outcome = await settle(body, base64);
    return reply(outcome.error ? 400 : 200, outcome);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await redis.quit();
    },
  };
}

export const haveRedisServer = () => spawnSync("redis-server", ["--version"]).status === 0;

const freePort = () =>
  new Promise((resolve) => {
    const srv = createNetServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

/** A throwaway redis-server on a free loopback port (no persistence) with the bridge in front. */
export async function startRedisWithBridge() {
  const port = await freePort();
  const redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: "ignore",
  });
  for (let i = 0; ; i++) {
    if (spawnSync("redis-cli", ["-p", String(port), "ping"], { encoding: "utf8" }).stdout?.trim() === "PONG") break;
    if (i > 100) throw new Error("redis-server did not start");
    await new Promise((r) => setTimeout(r, 50));
  }
  const token = randomBytes(16).toString("hex");
  const bridge = await startBridge({ redisUrl: `redis://127.0.0.1:${port}`, token });
  return {
    url: bridge.url,
    token,
    close: async () => {
      await bridge.close();
      redis.kill("SIGTERM");
    },
  };
}
