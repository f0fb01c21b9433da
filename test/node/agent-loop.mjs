// The agent-claims loop end to end against `npm run dev`: the reference agent's claim fires, and the
// fire reaches the console's live stream and a local webhook receiver, verified with the
// Standard Webhooks library.
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { Webhook } from "standardwebhooks";

function receiver() {
  const deliveries = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      deliveries.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ server, deliveries, port: server.address().port })),
  );
}

/** Reads server-sent events until `match` accepts one or the time runs out. */
async function firstEvent(res, match, ms) {
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const deadline = setTimeout(() => reader.cancel(), ms);
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return null;
      buffer += value;
      for (let i; (i = buffer.indexOf("\n\n")) >= 0; buffer = buffer.slice(i + 2)) {
        const data = buffer
          .slice(0, i)
          .split("\n")
          .filter((l) => l.startsWith("data:"))
          .map((l) => l.slice(5).trim())
          .join("");
        if (data && match(JSON.parse(data))) return JSON.parse(data);
      }
    }
  } finally {
    clearTimeout(deadline);
    reader.cancel().catch(() => {});
  }
}

export async function checkAgentLoop({ base, env, demo, sessionCookie, check }) {
  const { server, deliveries, port } = await receiver();
  try {
    const login = await (
      await fetch(`${base}/auth/login`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ username: demo.username, password: demo.password }),
      })
    ).json();
    const created = await fetch(`${base}/api/v1/webhooks`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${login.data.access_token}` },
      body: JSON.stringify({ url: `http://127.0.0.1:${port}/hooks`, events: ["av.threat.detected"] }),
    });
    const hook = (await created.json()).data;
    check("a webhook endpoint for av.threat.detected is created", created.status === 201 && hook?.secret?.startsWith("whsec_"));

    const stream = await fetch(`${base}/api/events/stream?type=av.threat.detected`, {
      headers: { Cookie: sessionCookie, Accept: "text/event-stream" },
    });
    const streamed = firstEvent(stream, (m) => m.kind === "event" && m.type === "av.threat.detected", 30_000);

    const { slug, key, device_id } = demo.agent;
    const observation = JSON.stringify({ exec_path: "/tmp/.x/miner", instances_in_30_pulses: 95, max_instances: 100 });
    const out = execFileSync(process.execPath, ["scripts/agent.mjs", "--slug", slug, "--key", key, "--device", device_id], {
      env,
      input: observation,
      encoding: "utf8",
    });
    check("the reference agent's claim fires", out.includes("s_forensic 0.95 FIRED"), out);

    const event = await streamed;
    check("the fire is on the console's live stream", event?.source === "av", JSON.stringify(event));

    for (let i = 0; i < 60 && !deliveries.length; i++) await new Promise((r) => setTimeout(r, 500));
    const delivery = deliveries[0];
    let payload = null;
    try {
      payload = delivery && new Webhook(hook.secret).verify(delivery.body, delivery.headers);
    } catch {}
    check(
      "the fire reaches a webhook receiver, signed to the Standard Webhooks spec",
      payload?.event === "av.threat.detected" && payload?.data?.slug === slug,
      JSON.stringify(delivery ?? null).slice(0, 500),
    );
  } finally {
    server.close();
  }
}
