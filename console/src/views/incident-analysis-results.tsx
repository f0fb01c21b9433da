import { Badge, Empty, ResultBlock } from "../components/panel";
import { ParamList } from "../components/remediation-plan";
import type { AnalysisResults, Recommendation } from "./incident-types";
import { Facts } from "./incident-ui";

const list = (v: unknown) =>
  Array.isArray(v) ? (v.length ? v.join(", ") : "none") : v === null || v === undefined ? null : String(v);

function Confidence({ r }: { r: AnalysisResults }) {
  if (typeof r.confidence !== "number") return <span class="muted">not given</span>;
  return (
    <span class="inc-confidence">
      <meter min={0} max={1} value={r.confidence} aria-label="Confidence" />
      <strong data-testid="analysis-confidence">{r.confidence}</strong> ({Math.round(r.confidence * 100)}%)
    </span>
  );
}

function Factors({ r }: { r: AnalysisResults }) {
  const factors = r.confidence_factors ?? [];
  if (!factors.length) return <Empty>No confidence factors given.</Empty>;
  return (
    <div class="table-wrap">
      <table>
        <caption>Confidence factors</caption>
        <thead>
          <tr>
            <th scope="col">Factor</th>
            <th scope="col">Weight</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {factors.map((f) => (
            <tr key={f.factor}>
              <th scope="row">{f.factor}</th>
              <td class="num">{f.weight}</td>
              <td>{f.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Mitre({ r }: { r: AnalysisResults }) {
  const techniques = r.mitre_attack ?? [];
  if (!techniques.length) return <Empty>No MITRE ATT&amp;CK technique matched.</Empty>;
  return (
    <div class="table-wrap">
      <table data-testid="mitre-table">
        <caption>MITRE ATT&amp;CK techniques</caption>
        <thead>
          <tr>
            <th scope="col">Technique</th>
            <th scope="col">Tactic</th>
            <th scope="col">Evidence</th>
          </tr>
        </thead>
        <tbody>
          {techniques.map((t) => (
            <tr key={t.technique_id} data-technique-id={t.technique_id}>
              <th scope="row">
                <code>{t.technique_id}</code> {t.technique}
              </th>
              <td>{t.tactic}</td>
              <td>{typeof t.evidence === "string" ? t.evidence : JSON.stringify(t.evidence)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Recommendations({ r, onUse }: { r: AnalysisResults; onUse: (rec: Recommendation) => void }) {
  const recs = r.recommendations;
  if (!recs) return <Empty>Recommendations were not requested for this analysis.</Empty>;
  if (!recs.length) return <Empty>The analysis recommends no remediation.</Empty>;
  return (
    <div class="table-wrap">
      <table data-testid="recommendations-table">
        <caption>Recommendations, most urgent first</caption>
        <thead>
          <tr>
            <th scope="col">Action</th>
            <th scope="col">Priority</th>
            <th scope="col">Reasoning</th>
            <th scope="col">Parameters</th>
            <th scope="col">Use</th>
          </tr>
        </thead>
        <tbody>
          {recs.map((rec, i) => (
            <tr key={i} data-recommendation={rec.action}>
              <th scope="row">
                <code>{rec.action}</code>
              </th>
              <td>
                <Badge tone={rec.priority}>{rec.priority}</Badge>
              </td>
              <td>{rec.reasoning}</td>
              <td>
                <ParamList params={rec.parameters} />
              </td>
              <td>
                <button
                  type="button"
                  onClick={() => onUse(rec)}
                  aria-label={`Use ${rec.action} recommendation ${i + 1} in the remediation form`}
                >
                  Use in remediation form
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A completed analysis: root cause, impact, confidence and why, techniques with evidence, and what to do. */
export function AnalysisResultsView({ r, onUse }: { r: AnalysisResults; onUse: (rec: Recommendation) => void }) {
  const intel = r.threat_intelligence ?? {};
  return (
    <div class="inc-analysis-results">
      <Facts
        items={[
          ["Root cause", <span data-testid="analysis-root-cause">{r.root_cause}</span>],
          ["Impact", <span data-testid="analysis-impact">{r.impact_assessment}</span>],
          ["Confidence", <Confidence r={r} />],
          ["IP reputation", list(intel.ip_reputation)],
          ["Known campaigns", list(intel.known_campaigns)],
          ["Related incidents", list(intel.related_incidents)],
          ["Already blocklisted", list(intel.blocklisted)],
        ]}
      />
      <Factors r={r} />
      <Mitre r={r} />
      <Recommendations r={r} onUse={onUse} />
      <details>
        <summary>All results as the API returned them</summary>
        <ResultBlock label="Analysis results" value={r} />
      </details>
    </div>
  );
}
