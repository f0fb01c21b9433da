// Live fan-out latency: N WebSocket subscribers on one tenant's hub, then isolate-node commands
// one at a time; for each, the time from the event's own timestamp (set when the Worker emitted
// it; same machine clock) and from sending the command, to the moment the last subscriber has it.
import WebSocket from "ws";
import { median } from "./measure.mjs";
import { inBatches } from "./seed.mjs";
import { seedCommandTenant, seedMesh } from "./command-seed.mjs";

/**
 * Streams are capped per principal, not per tenant (functions/platform/rate-limit/stream-slots.ts:
 * one ConnectionSlots object per tenant, kind and key; 50 on the standard tier API keys carry), and
 * opening one counts against the key's 60-a-minute events limit. So N subscribers use ⌈N / 25⌉ write
 * keys of the one tenant (40 keys for 1,000), every socket on the same tenant hub, with no tier change.
 */
const PER_KEY = 25;
/** Sockets opened at once: 1,000 simultaneous upgrades would measure the handshake storm, not the fan-out. */
const OPEN_AT_ONCE = 50;

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
  const sockets = await inBatches(subscribers, OPEN_AT_ONCE, (i) => subscribe(vigil.url, headerSets[Math.floor(i / PER_KEY)]));
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
              // At 1,000 subscribers the client's own parsing would add to the measured time: test first, then parse.
              const text = String(data);
              if (!text.includes(marker)) return;
              const { event } = JSON.parse(text);
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
    keys: subscriberKeys,
    samples,
    emit_to_last_receive_ms: { p50: median(fromEmit), p99: percentile(fromEmit, 0.99), max: Math.max(...fromEmit) },
    command_to_last_receive_ms: { p50: median(fromSend), p99: percentile(fromSend, 0.99), max: Math.max(...fromSend) },
  };
}
