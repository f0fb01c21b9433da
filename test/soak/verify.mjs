// After the load: every write the API accepted must be readable back through the API.
import { adminRequest } from "../../scripts/admin-client.mjs";
import { api, uniqueIp } from "./seed.mjs";

/** Each check: `{name, in, stored, ok, detail}`. */
export async function verifyWrites({ url, admin, s, runId, ledger }) {
  const checks = [];
  const key = (i) => s.keys[i % s.keys.length];
  let calls = 0;
  const get = async (path, headers) => {
    const res = await api(url, "GET", path, { headers: headers ?? key(calls++) });
    if (res.status !== 200) throw new Error(`GET ${path} → ${res.status}: ${res.text.slice(0, 300)}`);
    return res.body;
  };

  // Incidents: the list's pagination.total for the run's type, and the ids page by page (oldest first).
  const type = encodeURIComponent(`soak-${runId}`);
  const listed = new Set();
  let total = null;
  for (let page = 1; ; page++) {
    const body = await get(`/api/v1/incidents?type=${type}&per_page=100&page=${page}&sort=created_at&order=asc`);
    total ??= body.data.pagination.total;
    for (const inc of body.data.incidents) listed.add(inc.id);
    if (!body.data.pagination.has_next) break;
  }
  const missing = [...ledger.incidents].filter((id) => !listed.has(id));
  const extra = [...listed].filter((id) => !ledger.incidents.has(id));
  checks.push({
    name: "incidents: created (201) = pagination.total = ids listed",
    in: ledger.incidents.size,
    stored: total,
    ok: total === ledger.incidents.size && missing.length === 0 && extra.length === 0,
    detail: `${listed.size} listed; ${missing.length} created but not listed, ${extra.length} listed but not created`,
  });

  // Claims: each machine's chain holds its device installation and one transition per recorded
  // claim (and verifies); its threats list holds every claim, up to the 1,000 newest.
  for (const m of s.machines) {
    const reader = { "CF-Connecting-IP": uniqueIp() };
    const audit = await get(`/api/av/audit/verify?slug=${m.slug}`, reader);
    const threats = await get(`/api/av/threats?slug=${m.slug}&window=1d`, reader);
    const sent = ledger.claims[m.slug];
    const stored = audit.length - 1;
    const listedThreats = threats.truncated ? `${threats.count}+ (truncated)` : threats.count;
    checks.push({
      name: `claims on ${m.slug}: recorded (201) = audit chain length − 1 = threats count`,
      in: sent,
      stored,
      ok: audit.valid === true && stored === sent && threats.count === Math.min(sent, 1000) && threats.truncated === sent > 1000,
      detail: `chain valid: ${audit.valid}, threats listed: ${listedThreats}`,
    });
  }

  // Logs: the backtests of the disabled counting rules, one per part of the run's records.
  let matched = 0;
  let truncated = false;
  for (const ruleId of s.partRules) {
    const res = await api(url, "POST", `/api/v1/rules/${ruleId}/test?backtest=1d`, { headers: key(calls++) });
    if (res.status !== 200) throw new Error(`backtest ${ruleId} → ${res.status}: ${res.text.slice(0, 300)}`);
    matched += res.body.data.backtest.matched;
    truncated ||= res.body.data.backtest.truncated;
  }
  checks.push({
    name: "log records: accepted (202) = stored (rule backtests)",
    in: ledger.logRecords,
    stored: matched,
    ok: matched === ledger.logRecords && !truncated,
    detail: `${ledger.logRequests} requests, ${s.partRules.length} counting rule(s)${truncated ? ", a backtest was truncated" : ""}`,
  });

  // Nothing the pipeline was handed may have ended in a dead-letter queue (fresh state: all are this run's).
  const { dead_letters: dead } = await adminRequest(admin, "GET", "/admin/dead-letters?limit=100");
  checks.push({
    name: "dead letters (queue messages that failed every retry)",
    in: 0,
    stored: dead.length,
    ok: dead.length === 0,
    detail: dead
      .slice(0, 3)
      .map((d) => `${d.queue} ${d.kind ?? "?"}: ${d.reason.slice(0, 120)}`)
      .join("; "),
  });

  // Not a check: what the enabled detector rule opened from the logs through the queue.
  const detected = await get(`/api/v1/incidents?type=${encodeURIComponent(s.detectorType)}&per_page=100`);
  const occurrences = detected.data.incidents.reduce((n, inc) => n + inc.occurrences, 0);
  const info = `detector rule: ${detected.data.pagination.total} incident(s), ${occurrences} occurrence(s)`;
  return { checks, info };
}
