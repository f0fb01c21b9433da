import { useState } from "preact/hooks";
import { ErrorNote, Panel, ResultBlock } from "../components/panel";
import { api } from "../lib/api";
import { dateTime } from "../lib/format";
import { TripwireSecrets } from "./canary-secrets";
import { CANARY_BASE, ZONES, type DeployedToken } from "./canary-types";

interface Fields {
  num_qubits: string;
  deployment_zone: string;
  lifetime_seconds: string;
  entanglement_pairs: string;
  metadata: string;
}

// The seed's defaults (MWRASP §2.1); the server checks the bounds and its error is shown as given.
const DEFAULTS: Fields = {
  num_qubits: "8",
  deployment_zone: "edge",
  lifetime_seconds: "3600",
  entanglement_pairs: "4",
  metadata: "",
};

/** The request body, or a message about the metadata field (the only input the browser cannot check itself). */
function bodyOf(f: Fields): { body: Record<string, unknown> } | { problem: string } {
  let metadata: unknown = {};
  if (f.metadata.trim()) {
    try {
      metadata = JSON.parse(f.metadata);
    } catch (e) {
      return { problem: `Metadata is not valid JSON: ${(e as Error).message}` };
    }
    if (!metadata || typeof metadata !== "object" || Array.isArray(metadata))
      return { problem: "Metadata must be a JSON object." };
  }
  return {
    body: {
      num_qubits: Number(f.num_qubits),
      deployment_zone: f.deployment_zone,
      lifetime_seconds: Number(f.lifetime_seconds),
      entanglement_pairs: Number(f.entanglement_pairs),
      metadata,
    },
  };
}

function NumberField(props: {
  label: string;
  name: keyof Fields;
  min: number;
  max: number;
  hint: string;
  f: Fields;
  set: (f: Fields) => void;
}) {
  const { label, name, min, max, hint, f, set } = props;
  return (
    <label>
      {label}
      <input
        type="number"
        name={name}
        required
        min={min}
        max={max}
        step={1}
        value={f[name]}
        onInput={(e) => set({ ...f, [name]: e.currentTarget.value })}
      />
      <span class="q-hint">{hint}</span>
    </label>
  );
}

function DeployResult({ token }: { token: DeployedToken }) {
  return (
    <div class="notice" role="status" aria-live="polite" data-deploy-result={token.token_id}>
      <p>
        <strong>Deployed</strong> token <code>{token.token_id}</code> in {token.deployment_location}, expiring{" "}
        {dateTime(token.expiration_time)}.
      </p>
      <TripwireSecrets token={token} />
      <ResultBlock label="Deploy response, as returned" value={token} />
    </div>
  );
}

function DeployFields({ f, set }: { f: Fields; set: (f: Fields) => void }) {
  return (
    <>
      <label>
        Deployment zone
        <select
          name="deployment_zone"
          required
          value={f.deployment_zone}
          onChange={(e) => set({ ...f, deployment_zone: e.currentTarget.value })}
        >
          {ZONES.map((z) => (
            <option key={z} value={z}>
              {z}
            </option>
          ))}
        </select>
        <span class="q-hint">Network zone</span>
      </label>
      <NumberField label="Qubits" name="num_qubits" min={4} max={32} hint="4–32" f={f} set={set} />
      <NumberField label="Entanglement pairs" name="entanglement_pairs" min={2} max={16} hint="2–16" f={f} set={set} />
      <NumberField label="Lifetime (seconds)" name="lifetime_seconds" min={60} max={86400} hint="60–86400" f={f} set={set} />
      <label class="q-wide">
        Metadata (JSON object, optional)
        <textarea
          name="metadata"
          rows={2}
          value={f.metadata}
          placeholder='{"purpose": "attack_detection"}'
          onInput={(e) => set({ ...f, metadata: e.currentTarget.value })}
        />
      </label>
    </>
  );
}

export function DeployPanel({ onDeployed }: { onDeployed: (t: DeployedToken) => void }) {
  const [f, set] = useState<Fields>(DEFAULTS);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<DeployedToken | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const built = bodyOf(f);
    if ("problem" in built) return setError(new Error(built.problem));
    setBusy(true);
    setError(null);
    try {
      const token = await api.post<DeployedToken>(CANARY_BASE, built.body);
      setResult(token);
      onDeployed(token);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Panel title="Deploy a canary token" class="span-12">
      <form class="q-form" onSubmit={submit} aria-label="Deploy a canary token">
        <DeployFields f={f} set={set} />
        <div class="q-form-actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Deploying…" : "Deploy canary token"}
          </button>
          <span class="q-hint">The quantum state is a labelled classical simulation (BB84 + CHSH).</span>
        </div>
      </form>
      <ErrorNote error={error} />
      {result && <DeployResult token={result} />}
    </Panel>
  );
}
