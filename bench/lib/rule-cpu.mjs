// CPU time of rule evaluation itself: 50 rules compiled from the seed's SQL-like form, matched
// against 1,000, 10,000 and 100,000 records in Node, bundled from the Worker's source (what the
// queue consumer runs), with the growth exponent between sizes.
import { importBundled } from "../../scripts/import-bundled.mjs";
import { withGrowth } from "./growth.mjs";
import { logBatch, ruleQueries } from "./incidents-seed.mjs";
import { median } from "./measure.mjs";

const load = () =>
  importBundled("rule-cpu", [
    'export { parseRuleQuery } from "./functions/incidents/rules/sql-query.ts";',
    'export { matches } from "./functions/incidents/rules/match.ts";',
  ]);

/** Median milliseconds to match every record against every rule, at each size (samples fall as the size grows). */
export async function measureRuleCpu({ sizes = [1_000, 10_000, 100_000], rules = 50 } = {}) {
  const { parseRuleQuery, matches } = await load();
  const conditions = ruleQueries(rules).map(parseRuleQuery);
  const rows = [];
  for (const records of sizes) {
    const logs = JSON.parse(logBatch(records));
    const samples = Math.max(3, Math.round(100_000 / records));
    const times = [];
    let hits = 0;
    for (let s = 0; s < samples + 1; s++) {
      const start = performance.now();
      hits = 0;
      for (const c of conditions) for (const r of logs) if (matches(c, r)) hits++;
      if (s > 0) times.push(performance.now() - start); // the first pass warms the JIT at this size
    }
    const ms = median(times);
    rows.push({
      records,
      rules,
      samples,
      ms: +ms.toFixed(2),
      us_per_record_rule: +((ms * 1000) / (records * rules)).toFixed(3),
      matches: hits,
    });
  }
  return withGrowth(rows, "records", "ms");
}
