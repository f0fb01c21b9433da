// `npm run agent -- --slug <machine> --key zsm_… --device dev_… [--file counts.json] [--url …] [--json]`
// A reference endpoint agent: reads process-spawn observations (a JSON array, or one JSON object
// per line) from a file or stdin and sends each as a claim to POST /api/av/claim.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const USAGE = `usage: npm run agent -- --slug <machine> --key <zsm_…> --device <dev_…> [--file <path>|-] [--url <base>] [--json]

Each observation is an object such as
  {"exec_path": "/tmp/.x/miner", "instances_in_30_pulses": 90, "max_instances": 100}
optionally with "claim_type" (default process_spawn) and "hf_scores" ([{"hf_id": "HF8", "value": 0.9}]);
every other field becomes the claim's payload. Without --file the observations are read from stdin.`;

const ZEQOND_HZ = 1.287;
const MAX_ATTEMPTS = 5;

const { values: opts } = parseArgs({
  options: {
    slug: { type: "string" },
    key: { type: "string", default: process.env.VIGIL_AGENT_KEY },
    device: { type: "string" },
    file: { type: "string", default: "-" },
    url: { type: "string", default: process.env.VIGIL_URL ?? `http://localhost:${process.env.PORT ?? "8787"}` },
    json: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (opts.help || !opts.slug || !opts.key || !opts.device) {
  console.error(USAGE);
  process.exit(opts.help ? 0 : 2);
}

function observations(text) {
  const trimmed = text.trim();
  if (!trimmed) return [];
  if (trimmed.startsWith("[")) return JSON.parse(trimmed);
  return trimmed
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

const toClaim = ({ claim_type = "process_spawn", hf_scores, ...payload }) => ({
  claim_type,
  claim_payload: payload,
  device_id: opts.device,
  captured_at_zeqond: Math.floor((Date.now() / 1000) * ZEQOND_HZ),
  ...(hf_scores ? { hf_scores } : {}),
});

/** Retries what the API says is safe to retry: the same body, so the server deduplicates it. */
async function send(claim) {
  for (let attempt = 1; ; attempt++) {
    let res;
    try {
      res = await fetch(new URL("/api/av/claim", opts.url), {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Zeq-SM-Key": opts.key },
        body: JSON.stringify(claim),
      });
    } catch (err) {
      if (attempt >= MAX_ATTEMPTS)
        return { status: 0, body: { ok: false, error: "unreachable", message: String(err.cause ?? err) } };
      await sleep(backoff(attempt));
      continue;
    }
    const body = await res.json().catch(() => ({ ok: false, error: "bad_response" }));
    const retryable = res.status === 429 || res.status === 503 || (res.status === 500 && body.error === "audit_write_failed");
    if (!retryable || attempt >= MAX_ATTEMPTS) return { status: res.status, body };
    await sleep(Number(res.headers.get("retry-after")) * 1000 || backoff(attempt));
  }
}

const backoff = (attempt) => 250 * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function describe(claim, { status, body }) {
  const what = `${claim.claim_type} ${claim.claim_payload.exec_path ?? JSON.stringify(claim.claim_payload)}`;
  if (status !== 201) return `${what}: HTTP ${status} ${body.error ?? ""} ${body.message ?? ""}`.trim();
  const verdict = body.fired ? "FIRED" : `not fired (${body.blockers.join(", ")})`;
  const notified = body.notified.length ? ` notified ${body.notified.join(", ")}` : "";
  return `${what}: s_forensic ${body.s_forensic} ${verdict}${notified} [audit row ${body.audit_row_id}]`;
}

const input = readFileSync(opts.file === "-" ? 0 : opts.file, "utf8");
let failed = 0;
for (const observation of observations(input)) {
  const claim = toClaim(observation);
  const result = await send(claim);
  if (result.status !== 201) failed++;
  console.log(opts.json ? JSON.stringify({ status: result.status, ...result.body }) : `${opts.slug} ${describe(claim, result)}`);
}
process.exit(failed ? 1 : 0);
