// Live fan-out latency: N WebSocket subscribers on one tenant's hub, then isolate-node commands
// one at a time; for each, the time from the event's own timestamp (set when the Worker emitted
// it; same machine clock) and from sending the command, to the moment the last subscriber has it.
import WebSocket from "ws";
import { median } from "./measure.mjs";
import { seedCommandTenant, seedMesh } from "./command-seed.mjs";

/** Streams are capped per principal (50 on the standard tier): spread subscribers over keys. */
const PER_KEY = 25;

function subscribe(url, headers) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}/api/events/stream`, { headers });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
    ws.once("unexpected-response", (_, res) => reject(new Error(`stream upgrade → ${res.statusCode}`)));
  });
}

const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(p * values.length))];

export async function measureFanout(vigil, { subscribers, samples }) {
  const subscriberKeys = Math.ceil(subscribers / PER_KEY);
  const { tenantId, headerSets } = await seedCommandTenant(vigil.url, subscriberKeys + 2);
  const nodes = await seedMesh(vigil.db, tenantId, samples + 1);
  const sockets = await Promise.all(
    Array.from({ length: subscribers }, (_, i) => subscribe(vigil.url, headerSets[Math.floor(i / PER_KEY)])),
  );
  const commanders = headerSets.slice(subscriberKeys);
  const fromEmit = [];
  const fromSend = [];
  try {
    for (let i = 0; i < samples; i++) {
      const marker = `Node ${nodes[i]} isolated`;
      let emittedAt = 0;
      const arrivals = sockets.map(
        (ws) =>
          new Promise((resolve) => {
            const onMessage = (data) => {
              const { event } = JSON.parse(String(data));
              if (!event?.description?.startsWith(marker)) return;
              ws.off("message", onMessage);
              emittedAt = event.timestamp;
              resolve(Date.now());
            };
            ws.on("message", onMessage);
          }),
      );
      const sentAt = Date.now();
      const res = await fetch(`${vigil.url}/api/isolate-node`, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...commanders[i % commanders.length] },
        body: JSON.stringify({ nodeId: nodes[i] }),
      });
      if (!res.ok) throw new Error(`isolate-node → ${res.status} ${await res.text()}`);
      const last = Math.max(...(await Promise.all(arrivals)));
      fromEmit.push(last - emittedAt);
      fromSend.push(last - sentAt);
    }
  } finally {
    for (const ws of sockets) ws.close(1000);
  }
  return {
    subscribers,
    samples,
    emit_to_last_receive_ms: { p50: median(fromEmit), p99: percentile(fromEmit, 0.99), max: Math.max(...fromEmit) },
    command_to_last_receive_ms: { p50: median(fromSend), p99: percentile(fromSend, 0.99), max: Math.max(...fromSend) },
  };
}
