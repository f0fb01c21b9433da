// Webhook fan-out: one pipeline event delivered to 1, 10 and 100 endpoints on a local receiver.
// Latency is from the event's own timestamp (set when the Worker emitted it) to the moment the
// receiver has it from the last endpoint; throughput is a burst of events to 100 endpoints.
import { startWebhookReceiver } from "../../test/node/webhook-receiver.mjs";
import { median } from "./measure.mjs";
import { seedCommandTenant, seedMesh } from "./command-seed.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function api(vigil, path, body, headers) {
  const res = await fetch(vigil.url + path, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path} → ${res.status} ${await res.text()}`);
  return res.json();
}

async function waitFor(check, ms = 120_000) {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error("webhook deliveries did not all arrive in time");
    await sleep(5);
  }
}

async function setup(vigil, receiver, endpoints, events) {
  const { tenantId, headerSets } = await seedCommandTenant(vigil.url, 4);
  const nodes = await seedMesh(vigil.db, tenantId, events + 1);
  const inboxes = [];
  for (let i = 0; i < endpoints; i++) {
    const name = `bench-${tenantId}-${i}`;
    await api(vigil, "/api/v1/webhooks", { url: `${receiver.url}/hooks/${name}`, events: ["command.executed"] }, headerSets[0]);
    inboxes.push(name);
  }
  const received = () => inboxes.reduce((n, name) => n + receiver.requests(name).length, 0);
  let next = 0;
  const isolate = () => api(vigil, "/api/isolate-node", { nodeId: nodes[next] }, headerSets[1 + (next++ % 3)]);
  return { inboxes, received, isolate };
}

export async function measureWebhookFanout(vigil, { sizes = [1, 10, 100], samples = 5, burst = 20 } = {}) {
  const receiver = await startWebhookReceiver();
  const rows = [];
  try {
    for (const endpoints of sizes) {
      const t = await setup(vigil, receiver, endpoints, samples + burst);
      const latencies = [];
      for (let i = 0; i < samples; i++) {
        const before = t.received();
        const sentAt = Date.now();
        await t.isolate();
        await waitFor(() => t.received() >= before + endpoints);
        const arrivals = t.inboxes.flatMap((name) => receiver.requests(name).slice(-1));
        const last = Math.max(...arrivals.map((r) => r.at));
        const emitted = Date.parse(JSON.parse(arrivals[0].body).data.occurred_at);
        latencies.push({ fromEmit: last - emitted, fromSend: last - sentAt });
      }
      const row = {
        endpoints,
        samples,
        emit_to_last_delivery_ms: median(latencies.map((l) => l.fromEmit)),
        command_to_last_delivery_ms: median(latencies.map((l) => l.fromSend)),
      };
      if (endpoints === sizes[sizes.length - 1]) {
        const before = t.received();
        const start = Date.now();
        for (let i = 0; i < burst; i++) await t.isolate();
        await waitFor(() => t.received() >= before + burst * endpoints);
        const seconds = (Date.now() - start) / 1000;
        row.burst = {
          events: burst,
          deliveries: burst * endpoints,
          seconds: +seconds.toFixed(2),
          deliveries_per_second: Math.round((burst * endpoints) / seconds),
        };
      }
      rows.push(row);
    }
  } finally {
    await receiver.close();
  }
  return rows;
}
