// Quantum defense, measured one request at a time (latency, not throughput): fragment and
// reconstruct at n = 5 / k = 3, and a canary trigger's journey to a webhook receiver. Each
// figure is paired with a baseline sampled in the same loop, so the ratio survives a noisy host.
import { randomBytes } from "node:crypto";
import { importBundled } from "../../scripts/import-bundled.mjs";
import { startWebhookReceiver } from "../../test/node/webhook-receiver.mjs";
import { median, percentile as p } from "./measure.mjs";
import { post, randomIp } from "./seed.mjs";
import { ADMIN_TOKEN } from "./servers.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };

/** A fresh tenant and the bearer headers of an enterprise OAuth client of it with `scopes`. */
export async function quantumClient(url, scopes = ["quantum:read", "quantum:write"]) {
  const tenant = await post(url, "/admin/tenants", { name: `bench-quantum-${Date.now()}-${Math.random()}` }, admin);
  const client = await post(url, `/admin/tenants/${tenant.id}/oauth-clients`, { tier: "enterprise", scopes }, admin);
  const res = await fetch(`${url}/v3/oauth/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", "CF-Connecting-IP": randomIp() },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: client.client_id,
      client_secret: client.client_secret,
    }),
  });
  if (!res.ok) throw new Error(`token → ${res.status} ${await res.text()}`);
  return { tenantId: tenant.id, headers: { Authorization: `Bearer ${(await res.json()).access_token}` } };
}

export async function timed(run) {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

/** One bare Durable Object RPC with a SQLite write on the baseline Worker: the floor any fragment store stands on. */
export const bareDoWrite = (baseline) => timed(async () => (await fetch(`${baseline.url}/do-write`)).arrayBuffer());

export async function measureFragmentation(
  vigil,
  baseline,
  { sizes = [1024, 1024 * 1024], samples = { 1024: 40, 1048576: 10 } } = {},
) {
  const { headers } = await quantumClient(vigil.url);
  const rows = [];
  for (const size of sizes) {
    const data = randomBytes(size).toString("base64");
    const fragment = [];
    const reconstruct = [];
    const base = [];
    for (let i = 0; i < samples[size]; i++) {
      let parent;
      fragment.push(
        await timed(async () => {
          parent = (
            await post(
              vigil.url,
              "/v3/fragmentation/fragment",
              { data, fragment_count: 5, redundancy: 2, lifetime_ms: 600_000 },
              headers,
            )
          ).parent_id;
        }),
      );
      reconstruct.push(
        await timed(async () => {
          const out = await post(
            vigil.url,
            "/v3/fragmentation/reconstruct",
            { parent_id: parent, validate_integrity: true },
            headers,
          );
          if (out.data.length !== data.length) throw new Error("reconstructed data differs");
        }),
      );
      base.push(await bareDoWrite(baseline));
    }
    rows.push({
      bytes: size,
      samples: samples[size],
      fragment_p50_ms: p(fragment, 0.5),
      fragment_p99_ms: p(fragment, 0.99),
      reconstruct_p50_ms: p(reconstruct, 0.5),
      reconstruct_p99_ms: p(reconstruct, 0.99),
      bare_do_write_p50_ms: p(base, 0.5),
      fragment_x_bare: +(median(fragment) / median(base)).toFixed(1),
      reconstruct_x_bare: +(median(reconstruct) / median(base)).toFixed(1),
    });
  }
  return rows;
}

async function waitForRequests(receiver, name, n, ms = 60_000) {
  const until = Date.now() + ms;
  while (receiver.requests(name).length < n) {
    if (Date.now() > until) throw new Error(`webhook ${n} did not arrive within ${ms / 1000} s`);
    await sleep(2);
  }
  return receiver.requests(name)[n - 1];
}

/**
 * Canary trigger → webhook: a hit on a fresh token's monitoring URL (alerts are throttled per
 * token) until the receiver has the signed delivery. The baseline is the delivery machinery alone:
 * `POST /v3/webhooks/{id}/test` to arrival, sampled in the same loop.
 */
export async function measureCanaryToWebhook(vigil, { samples = 15 } = {}) {
  const receiver = await startWebhookReceiver();
  try {
    const { headers } = await quantumClient(vigil.url);
    const name = `canary-${Date.now()}`;
    const hook = await post(
      vigil.url,
      "/v3/webhooks",
      { url: `${receiver.url}/hooks/${name}`, events: ["quantum.canary.triggered"] },
      headers,
    );
    const webhookId = hook.id ?? hook.webhook_id ?? hook.data?.id;
    const trigger = [];
    const delivery = [];
    let seen = 0;
    // Unmeasured: events emitted by earlier scenarios may still be queued ahead of ours; this waits
    // them out, so the samples time the pipeline, not a backlog another benchmark left behind.
    const drainStarted = Date.now();
    await post(vigil.url, `/v3/webhooks/${webhookId}/test`, {}, headers);
    await waitForRequests(receiver, name, ++seen, 15 * 60_000);
    const drainMs = Date.now() - drainStarted;
    if (drainMs > 5_000) console.log(`(the webhook queue took ${(drainMs / 1000).toFixed(1)} s to reach a fresh delivery)`);
    for (let i = 0; i < samples; i++) {
      const token = await post(
        vigil.url,
        "/v3/quantum/canary/tokens",
        { num_qubits: 8, deployment_zone: "edge", lifetime_seconds: 600 },
        headers,
      );
      const sent = Date.now();
      await (await fetch(token.monitoring_url, { headers: { "CF-Connecting-IP": randomIp() } })).arrayBuffer();
      trigger.push((await waitForRequests(receiver, name, ++seen)).at - sent);
      const tested = Date.now();
      await post(vigil.url, `/v3/webhooks/${webhookId}/test`, {}, headers);
      delivery.push((await waitForRequests(receiver, name, ++seen)).at - tested);
    }
    return {
      samples,
      trigger_to_webhook_p50_ms: p(trigger, 0.5),
      trigger_to_webhook_p99_ms: p(trigger, 0.99),
      test_delivery_p50_ms: p(delivery, 0.5),
      x_test_delivery: +(median(trigger) / median(delivery)).toFixed(2),
    };
  } finally {
    await receiver.close();
  }
}

export async function measureQuantum(vigil, baseline) {
  return {
    fragmentation: await measureFragmentation(vigil, baseline),
    canary: await measureCanaryToWebhook(vigil),
    analyzeCpu: await measureAnalyzeCpu(),
  };
}

export function quantumMarkdown(q) {
  if (!q) return "";
  const kib = (b) => (b >= 1048576 ? `${b / 1048576} MiB` : `${b / 1024} KiB`);
  const rows = q.fragmentation.map(
    (f) =>
      `| ${kib(f.bytes)}, n = 5, k = 3 (${f.samples} samples) | ${f.fragment_p50_ms} / ${f.fragment_p99_ms} | ${f.reconstruct_p50_ms} / ${f.reconstruct_p99_ms} | ${f.bare_do_write_p50_ms} | ${f.fragment_x_bare} / ${f.reconstruct_x_bare} |`,
  );
  const c = q.canary;
  const a = q.analyzeCpu;
  return [
    "\n| fragmentation | fragment p50 / p99 ms | reconstruct p50 / p99 ms | bare DO write p50 ms | × bare (fragment / reconstruct) |",
    "|---|---:|---:|---:|---:|",
    ...rows,
    `\nCanary trigger → webhook delivery (${c.samples} samples): p50 ${c.trigger_to_webhook_p50_ms} ms, p99 ${c.trigger_to_webhook_p99_ms} ms; the delivery machinery alone (webhook test → arrival) p50 ${c.test_delivery_p50_ms} ms: ${c.x_test_delivery} ×.`,
    `\nCrypto exposure analysis CPU (Node, the Worker's parser and assessment, bundled): a ${a.certificates}-certificate chain in ${a.ms} ms (${a.ms_per_certificate} ms a certificate), over ${a.samples} samples.\n`,
  ].join("\n");
}

/** The analyzer's parser and assessment, bundled from the Worker's source, with its x509 library. */
export const loadAnalyzer = () =>
  importBundled("analyzer", [
    'export { parseMaterial } from "./functions/quantum/detection/parse.ts";',
    'export { assessMaterial } from "./functions/quantum/detection/assess.ts";',
    'export { parsingLibs } from "./functions/quantum/detection/libs.ts";',
  ]);

/** A 10-certificate chain: a P-256 root, then alternating RSA-2048 and P-256 intermediates and a leaf. */
export async function certificateChain(x509, length) {
  const rsa = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
  const ec = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const pems = [];
  let issuer = null;
  for (let i = 0; i < length; i++) {
    const alg = i % 2 ? rsa : ec;
    const keys = await crypto.subtle.generateKey(alg, true, ["sign", "verify"]);
    const name = `CN=bench-${i}`;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: String(i + 1).padStart(2, "0"),
      subject: name,
      issuer: issuer?.name ?? name,
      notBefore: new Date(),
      notAfter: new Date(Date.now() + 10 * 365 * 86_400_000),
      signingAlgorithm: issuer?.alg ?? alg,
      publicKey: keys.publicKey,
      signingKey: issuer?.key ?? keys.privateKey,
    });
    pems.unshift(cert.toString("pem"));
    issuer = { name, alg, key: keys.privateKey };
  }
  return pems.join("\n");
}

export async function measureAnalyzeCpu({ certificates = 10, samples = 20 } = {}) {
  const { parseMaterial, assessMaterial, parsingLibs } = await loadAnalyzer();
  const { x509 } = await parsingLibs();
  const bytes = new TextEncoder().encode(await certificateChain(x509, certificates));
  const times = [];
  let found = 0;
  for (let i = 0; i < samples + 3; i++) {
    const start = performance.now();
    const parsed = await parseMaterial(bytes);
    const assets = await Promise.all(parsed.materials.map((m) => assessMaterial(m, Date.now())));
    if (i >= 3) times.push(performance.now() - start);
    found = assets.length;
  }
  if (found !== certificates) throw new Error(`analyzer found ${found} of ${certificates} certificates`);
  const ms = median(times);
  return { certificates, samples, ms: +ms.toFixed(2), ms_per_certificate: +(ms / certificates).toFixed(2) };
}
