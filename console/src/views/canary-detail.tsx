import { useState } from "preact/hooks";
import { ConfirmDialog } from "../components/confirm";
import { Async, Badge, Empty, ErrorNote, Panel, ResultBlock } from "../components/panel";
import { api } from "../lib/api";
import { dateTime, timeAgo } from "../lib/format";
import { useApi } from "../lib/use-api";
import { Stat } from "./agents-table";
import { TripwireSecrets } from "./canary-secrets";
import {
  CHANNEL_LABEL,
  tokenPath,
  tokenTone,
  type CanaryCheck,
  type CanaryHit,
  type TestResult,
  type TokenStatusDetail,
} from "./canary-types";

const yesNo = (b: boolean) => (b ? "yes" : "no");

/** The simulated check with its own label, so nobody reads QBER or S as a hardware measurement. */
function Simulation({ d }: { d: Pick<TokenStatusDetail, "simulation" | "last_check" | "num_qubits" | "entanglement_pairs"> }) {
  return (
    <section aria-labelledby="canary-sim-heading" data-simulation>
      <h3 id="canary-sim-heading">
        Last check <Badge tone="info">simulated: {String(d.simulation.simulated)}</Badge>
      </h3>
      <p class="q-hint">{d.simulation.method}</p>
      <CheckStats check={d.last_check} />
      <details>
        <summary>Quantum state encoding</summary>
        <p class="q-hint">{d.simulation.quantum_state_encoding}</p>
      </details>
    </section>
  );
}

export function CheckStats({ check }: { check: CanaryCheck }) {
  return (
    <dl class="q-stats q-stats-compact">
      <Stat label="QBER" value={check.qber === null ? "— (no sifted bits)" : check.qber} />
      <Stat label="CHSH S" value={check.chsh_s} />
      <Stat label="CHSH trials" value={check.chsh_trials} />
      <Stat label="Sifted bits" value={check.sifted_bits} />
      <Stat label="Errors" value={check.errors} />
      <Stat label="Eavesdropper simulated" value={yesNo(check.eavesdropper)} />
      <Stat label="Disturbed" value={yesNo(check.disturbed)} />
      <Stat label="Checked" value={dateTime(check.at)} />
    </dl>
  );
}

function HitsTable({ hits }: { hits: CanaryHit[] }) {
  if (hits.length === 0) return <Empty>No hits yet: nobody has touched the monitoring URL or the decoy.</Empty>;
  return (
    <div class="table-wrap">
      <table data-table="canary-hits">
        <caption class="sr-only">Recent hits, newest first</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Channel</th>
            <th scope="col">Who (IP, user agent)</th>
            <th scope="col">Country</th>
            <th scope="col">Detail</th>
            <th scope="col">Alerted</th>
          </tr>
        </thead>
        <tbody>
          {hits.map((h, i) => (
            <tr key={`${h.at}-${i}`}>
              <td title={dateTime(h.at)}>{timeAgo(h.at)}</td>
              <td>{CHANNEL_LABEL[h.channel] ?? h.channel}</td>
              <td class="q-break">
                {h.ip ?? "unknown IP"}
                <div class="muted q-small">{h.user_agent ?? "no user agent"}</div>
              </td>
              <td>{h.country ?? "—"}</td>
              <td class="q-break">{h.detail ?? "—"}</td>
              <td>{h.alerted ? "yes" : "no (throttled or expired)"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Summary({ d }: { d: TokenStatusDetail }) {
  return (
    <dl class="q-kv">
      <dt>Status</dt>
      <dd>
        <Badge tone={tokenTone(d.status)}>{d.status}</Badge>
      </dd>
      <dt>Zone</dt>
      <dd>{d.deployment_location}</dd>
      <dt>Created</dt>
      <dd>{dateTime(d.creation_time)}</dd>
      <dt>Expires</dt>
      <dd>{dateTime(d.expiration_time)}</dd>
      <dt>Qubits / Bell pairs</dt>
      <dd>
        {d.num_qubits} / {d.entanglement_pairs}
      </dd>
      <dt>Hits</dt>
      <dd>
        {d.hits} in total, {d.suppressed_hits} throttled since the last alert
      </dd>
      <dt>Last hit</dt>
      <dd title={dateTime(d.last_hit_time)}>{timeAgo(d.last_hit_time)}</dd>
      <dt>Last alert</dt>
      <dd title={dateTime(d.last_alert_time)}>{timeAgo(d.last_alert_time)}</dd>
    </dl>
  );
}

function TestResultView({ result }: { result: TestResult }) {
  return (
    <div class="notice" data-test-result={result.token_id}>
      <p>
        Collapse test: {result.collapsed ? "token collapsed" : "token not collapsed"}; status now{" "}
        <Badge tone={tokenTone(result.status)}>{result.status}</Badge>; alert event {result.event_id ?? "none"}.
      </p>
      <CheckStats check={result.check} />
      <ResultBlock label="Test response, as returned" value={result} />
    </div>
  );
}

function TestCollapse({ id, onDone }: { id: string; onDone: () => void }) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<TestResult | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      setResult(await api.post<TestResult>(tokenPath(id, "/test")));
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
      setOpen(false);
    }
  };
  return (
    <div aria-live="polite">
      <button type="button" class="danger" onClick={() => setOpen(true)}>
        Test collapse
      </button>
      <ConfirmDialog
        open={open}
        title="Run a collapse test?"
        effect={
          <p>
            Simulates an intercept-resend eavesdropper on token <code>{id}</code>. If the check detects the disturbance the token
            becomes <strong>collapsed</strong> for good, and a test-flagged canary alert goes through the live stream, incidents
            and webhooks.
          </p>
        }
        confirmLabel="Run collapse test"
        danger
        busy={busy}
        onConfirm={() => void run()}
        onCancel={() => setOpen(false)}
      />
      <ErrorNote error={error} />
      {result && <TestResultView result={result} />}
    </div>
  );
}

export function TokenDetailPanel({ id, canWrite, onChanged }: { id: string; canWrite: boolean; onChanged: () => void }) {
  const state = useApi((signal) => api.get<TokenStatusDetail>(tokenPath(id, "/status"), {}, signal), [id], 15_000);
  return (
    <Panel title="Token detail" class="span-12">
      {canWrite ? (
        <TestCollapse key={id} id={id} onDone={() => (state.reload(), onChanged())} />
      ) : (
        <p class="q-hint">Collapse tests need the analyst role or higher.</p>
      )}
      <Async state={state}>
        {(d) => (
          <div data-token-detail={d.token_id}>
            <p class="q-mono q-break">{d.token_id}</p>
            <div class="grid">
              <div class="span-6">
                <Summary d={d} />
                {Object.keys(d.metadata).length > 0 && <ResultBlock label="Metadata" value={d.metadata} />}
              </div>
              <div class="span-6">
                <Simulation d={d} />
              </div>
            </div>
            {d.monitoring_url !== undefined && d.decoy_credential !== undefined ? (
              <details class="q-secrets-details">
                <summary>Show monitoring URL and decoy credential</summary>
                <TripwireSecrets token={{ monitoring_url: d.monitoring_url, decoy_credential: d.decoy_credential }} />
              </details>
            ) : (
              <p class="q-hint">The monitoring URL and decoy credential are shown to users who may deploy canaries.</p>
            )}
            <h3>Recent hits ({d.recent_hits.length})</h3>
            <HitsTable hits={d.recent_hits} />
          </div>
        )}
      </Async>
    </Panel>
  );
}
