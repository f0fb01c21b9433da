// CPU time of rule evaluation itself: 50 rules compiled from the seed's SQL-like form, matched
// against 10,000 records in Node, bundled from the Worker's source (what the queue consumer runs).
import { importBundled } from "../../scripts/import-bundled.mjs";
import { logBatch, ruleQueries } from "./incidents-seed.mjs";
import { median } from "./measure.mjs";

const load = () =>
  importBundled("rule-cpu", [
    'export { parseRuleQuery } from "./functions/incidents/rules/sql-query.ts";',
    'export { matches } from "./functions/incidents/rules/match.ts";',
  ]);

export async function measureRuleCpu({ records = 10_000, rules = 50, samples = 5 } = {}) {
  const { parseRuleQuery, matches } = await load();
  const conditions = ruleQueries(rules).map(parseRuleQuery);
  const logs = JSON.parse(logBatch(records));
  const times = [];
  let hits = 0;
  for (let s = 0; s < samples; s++) {
    const start = performance.now();
    hits = 0;
    for (const c of conditions) for (const r of logs) if (matches(c, r)) hits++;
    times.push(performance.now() - start);
  }
  const ms = median(times);
  return { records, rules, ms: +ms.toFixed(1), us_per_record_rule: +((ms * 1000) / (records * rules)).toFixed(3), matches: hits };
}
