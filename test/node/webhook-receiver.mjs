// A real HTTP receiver for webhook tests, run in Node beside workerd. Each inbox
// (`/hooks/<inbox>`) answers from a script set by the test and records every request;
// `/_control/<inbox>` sets the script (POST) and returns what arrived (GET).
import { createServer } from "node:http";

export async function startWebhookReceiver() {
  const inboxes = new Map();
  const inbox = (name) => {
    if (!inboxes.has(name)) inboxes.set(name, { script: [], then: { status: 200, body: "ok" }, requests: [] });
    return inboxes.get(name);
  };
  const read = (req) =>
    new Promise((resolve) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    });
  const server = createServer(async (req, res) => {
    const [, area, name] = new URL(req.url, "http://x").pathname.split("/");
    const body = await read(req);
    if (area === "_control" && req.method === "POST") {
      const { responses = [], then = { status: 200, body: "ok" } } = JSON.parse(body || "{}");
      Object.assign(inbox(name), { script: responses, then, requests: [] });
      return res.writeHead(204).end();
    }
    if (area === "_control") {
      res.writeHead(200, { "Content-Type": "application/json" });
      return res.end(JSON.stringify({ requests: inbox(name).requests }));
    }
    if (area !== "hooks") return res.writeHead(404).end();
    const box = inbox(name);
    box.requests.push({ at: Date.now(), method: req.method, headers: req.headers, body });
    const reply = box.script[box.requests.length - 1] ?? box.then;
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    res.writeHead(reply.status, reply.headers ?? {});
    res.end(reply.body ?? "");
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    /** In-process access for a caller in the same Node process (the benchmarks). */
    requests: (name) => inbox(name).requests,
    close: () => new Promise((r) => server.close(r)),
  };
}
