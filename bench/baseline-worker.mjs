// The bare primitives Vigil's scenarios are measured against, served by a Worker with no
// framework, middleware or validation. Not deployed; only `npm run bench` runs it.
import { DurableObject } from "cloudflare:workers";

/** One Durable Object RPC that writes SQLite storage: what a rate-limit decision costs at least. */
export class Counter extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS c (k TEXT PRIMARY KEY, n INTEGER NOT NULL)");
  }
  increment(key) {
    return this.ctx.storage.sql
      .exec("INSERT INTO c (k, n) VALUES (?, 1) ON CONFLICT (k) DO UPDATE SET n = n + 1 RETURNING n", key)
      .one().n;
  }
}

const SLIDING = `
  local current = tonumber(redis.call("GET", KEYS[1]) or "0")
  local previous = tonumber(redis.call("GET", KEYS[2]) or "0")
  local weighted = math.floor((1 - (ARGV[2] % ARGV[3]) / ARGV[3]) * previous)
  if weighted + current >= tonumber(ARGV[1]) then return {-1, tonumber(ARGV[1])} end
  local value = redis.call("INCRBY", KEYS[1], ARGV[4])
  if value == tonumber(ARGV[4]) then redis.call("PEXPIRE", KEYS[1], ARGV[3] * 2 + 1000) end
  return {tonumber(ARGV[1]) - (value + weighted), tonumber(ARGV[1])}
`;

const json = (body) => new Response(JSON.stringify(body), { headers: { "Content-Type": "application/json" } });

export default {
  async fetch(request, env) {
    const { pathname, searchParams } = new URL(request.url);
    if (pathname === "/bare") return json({ status: "ok" });
    if (pathname === "/d1-read") {
      const key = `k${Math.floor(Math.random() * 1000)}`;
      return json(await env.DB.prepare("SELECT id, value FROM items WHERE key = ?").bind(key).first());
    }
    if (pathname === "/d1-page") {
      // A page of 50 rows by an indexed range: what a history page must read at least.
      const after = Math.floor(Math.random() * 950);
      const { results } = await env.DB.prepare("SELECT id, key, value FROM items WHERE id > ? ORDER BY id LIMIT 50")
        .bind(after)
        .all();
      return json(results);
    }
    if (pathname === "/d1-insert") {
      const key = crypto.randomUUID();
      return json(
        await env.DB.prepare("INSERT INTO items (key, value) VALUES (?, ?) RETURNING id").bind(key, "inserted").first(),
      );
    }
    if (pathname === "/do-write") {
      // `?objects=N` spreads calls over N objects (default 64), to see what object count costs.
      const name = `p${Math.floor(Math.random() * Number(searchParams.get("objects") ?? 64))}`;
      return json({ n: await env.COUNTER.getByName(name).increment("hits") });
    }
    if (pathname === "/upstash") {
      // One sliding-window check, the same Redis work as @upstash/ratelimit's, with no library around it.
      const now = Date.now();
      const window = 3_600_000;
      const bucket = Math.floor(now / window);
      const id = `bench:${Math.floor(Math.random() * 64)}`;
      const res = await fetch(`${env.UPSTASH_URL}/pipeline`, {
        method: "POST",
        headers: { Authorization: `Bearer ${env.UPSTASH_TOKEN}` },
        body: JSON.stringify([["EVAL", SLIDING, 2, `${id}:${bucket}`, `${id}:${bucket - 1}`, 1_000_000, now, window, 1]]),
      });
      return json(await res.json());
    }
    return new Response("not found", { status: 404 });
  },
};
