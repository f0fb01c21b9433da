import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../lib/api";
import type { Session } from "../lib/session";
import { useApi } from "../lib/use-api";
import { canExecuteNow, canRemediate, type Gate } from "../views/incident-access";
import type { CatalogAction, RemediationAction, RemediationDraft } from "../views/incident-types";
import { ApiErrorNote, GatedButton, useAction } from "../views/incident-ui";
import { ConfirmDialog } from "./confirm";
import { Async, Badge, Panel } from "./panel";
import { paramsFromValues, paramsToSend, RemediationParams, type RawParams } from "./remediation-params";
import { ActionAnswer, ParamList } from "./remediation-plan";

type Mode = "preview" | "request" | "execute";
/** The one explanation the three buttons share when the role does not allow them. */
const REASON_ID = "rem-form-gate";
const EXECUTE_REASON_ID = "rem-execute-gate";
const LABEL: Record<Mode, string> = {
  preview: "Dry-run answer (nothing changed)",
  request: "Request answer",
  execute: "Execute answer",
};

function CatalogFacts({ a }: { a: CatalogAction }) {
  return (
    <div class="rem-catalog" data-testid="remediation-catalog-entry" data-action={a.name}>
      <p>
        {a.description}. <Badge tone={a.risk}>risk {a.risk}</Badge>{" "}
        <Badge tone={a.reversible ? "ok" : "warn"}>{a.reversible ? "reversible" : "not reversible"}</Badge>
      </p>
      <p class="muted">{a.effect}</p>
    </div>
  );
}

interface FormProps {
  session: Session;
  catalog: CatalogAction[];
  incidentRef: string;
  draft: RemediationDraft | null;
  onChanged: () => void;
}

/** The form's state, refilled whenever a recommendation is handed over (a new draft nonce). */
function useDraftState(catalog: CatalogAction[], draft: RemediationDraft | null) {
  const [name, setName] = useState(draft?.action ?? catalog[0]?.name ?? "");
  const [raw, setRaw] = useState<RawParams>({});
  const [unknown, setUnknown] = useState<string[]>([]);
  const entry = catalog.find((a) => a.name === name);
  useEffect(() => {
    if (!draft) return;
    const target = catalog.find((a) => a.name === draft.action);
    setName(draft.action);
    const filled = target ? paramsFromValues(target.parameters, draft.parameters) : { raw: {}, unknown: [] };
    setRaw(filled.raw);
    setUnknown(filled.unknown);
  }, [draft?.nonce]);
  const choose = (n: string) => {
    setName(n);
    setRaw({});
    setUnknown([]);
  };
  return { name, entry, raw, setRaw, unknown, choose };
}

function Buttons({
  gate,
  executeGate,
  busy,
  mode,
  onPreview,
  onExecute,
}: {
  gate: Gate;
  executeGate: Gate;
  busy: boolean;
  mode: Mode;
  onPreview: () => void;
  onExecute: () => void;
}) {
  return (
    <>
      <div class="rem-buttons">
        <GatedButton gate={gate} reasonId={REASON_ID} busy={busy && mode === "preview"} busyLabel="Planning…" onClick={onPreview}>
          Preview (dry run)
        </GatedButton>
        <GatedButton
          type="submit"
          class="primary"
          gate={gate}
          reasonId={REASON_ID}
          busy={busy && mode === "request"}
          busyLabel="Requesting…"
        >
          Request remediation
        </GatedButton>
        <GatedButton
          class="danger"
          gate={executeGate}
          reasonId={EXECUTE_REASON_ID}
          busy={busy && mode === "execute"}
          busyLabel="Executing…"
          onClick={onExecute}
        >
          Execute now
        </GatedButton>
      </div>
      <p class="muted rem-note">
        Request remediation asks a second responder or admin to approve within 24 h; Execute now runs it at once with no second
        approval.
      </p>
    </>
  );
}

function ActionAndTarget(props: {
  catalog: CatalogAction[];
  name: string;
  choose: (n: string) => void;
  target: string;
  setTarget: (t: string) => void;
}) {
  return (
    <div class="rem-row">
      <label>
        Action
        <select
          name="action"
          value={props.name}
          onChange={(e) => props.choose(e.currentTarget.value)}
          data-testid="remediation-action"
        >
          {props.catalog.map((a) => (
            <option key={a.name} value={a.name}>
              {a.name}: {a.description}
            </option>
          ))}
        </select>
      </label>
      <label>
        Target incident
        <input name="incident_id" value={props.target} onInput={(e) => props.setTarget(e.currentTarget.value)} maxLength={100} />
      </label>
    </div>
  );
}

/** Brings the form into view with the action focused when a recommendation fills it. */
function useRevealOnDraft(draft: RemediationDraft | null) {
  const ref = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (!draft) return;
    ref.current?.scrollIntoView({ block: "start", behavior: "smooth" });
    ref.current?.querySelector<HTMLSelectElement>("select[name=action]")?.focus();
  }, [draft?.nonce]);
  return ref;
}

function RemediationForm({ session, catalog, incidentRef, draft, onChanged }: FormProps) {
  const { name, entry, raw, setRaw, unknown, choose } = useDraftState(catalog, draft);
  const [target, setTarget] = useState(incidentRef);
  const [confirming, setConfirming] = useState(false);
  const [mode, setMode] = useState<Mode>("preview");
  const act = useAction<{ action: RemediationAction }>();
  const formRef = useRevealOnDraft(draft);
  const parameters = entry ? paramsToSend(entry.parameters, raw) : {};
  const send = async (m: Mode) => {
    setMode(m);
    // A preview is planned as the request would run: under approval (protected nodes need it).
    const body = {
      incident_id: target.trim() || undefined,
      action: name,
      parameters,
      dry_run: m === "preview",
      require_approval: m !== "execute",
    };
    const answer = await act.run(() => api.post<{ action: RemediationAction }>("/api/v1/remediation/execute", body));
    if (answer && m !== "preview") onChanged();
  };
  return (
    <form
      ref={formRef}
      class="rem-form"
      aria-label="Remediation request"
      onSubmit={(e) => (e.preventDefault(), void send("request"))}
    >
      <ActionAndTarget catalog={catalog} name={name} choose={choose} target={target} setTarget={setTarget} />
      {entry && <CatalogFacts a={entry} />}
      {unknown.length > 0 && (
        <p class="notice" role="status">
          The recommendation also gave {unknown.join(", ")}, which {name} does not take;{" "}
          {unknown.length === 1 ? "it was" : "they were"} not filled in.
        </p>
      )}
      {entry && <RemediationParams schema={entry.parameters} value={raw} disabled={false} onChange={setRaw} />}
      <Buttons
        gate={canRemediate(session)}
        executeGate={canExecuteNow(session)}
        busy={act.busy}
        mode={mode}
        onPreview={() => void send("preview")}
        onExecute={() => setConfirming(true)}
      />
      <div aria-live="polite" class="rem-result">
        <ApiErrorNote error={act.error} />
        {act.result && <ActionAnswer label={LABEL[mode]} action={act.result.action} />}
      </div>
      <ConfirmDialog
        open={confirming}
        title={`Execute ${name} now?`}
        effect={
          <>
            <p>Runs at once, without a second person's approval:</p>
            <p>{entry?.effect}</p>
            <ParamList params={parameters} />
          </>
        }
        confirmLabel="Execute now"
        danger
        busy={act.busy}
        onCancel={() => setConfirming(false)}
        onConfirm={() => (setConfirming(false), void send("execute"))}
      />
    </form>
  );
}

/** Catalog, parameters from each action's JSON Schema, preview, request for approval, and immediate execution. */
export function RemediationPanel(props: Omit<FormProps, "catalog">) {
  const catalog = useApi((signal) => api.get<{ actions: CatalogAction[] }>("/api/v1/remediation/actions", undefined, signal), []);
  const gate = canRemediate(props.session);
  return (
    <Panel title="Remediate" class="span-12">
      {!gate.allowed && (
        <p class="notice" id={REASON_ID}>
          {gate.why} You can still read the catalog and fill in the form.
        </p>
      )}
      {gate.allowed && !canExecuteNow(props.session).allowed && (
        <p class="muted" id={EXECUTE_REASON_ID}>
          {canExecuteNow(props.session).why} Request it instead: a responder or admin approves it.
        </p>
      )}
      <Async state={catalog} isEmpty={(d) => d.actions.length === 0} empty="The remediation catalog is empty.">
        {(d) => <RemediationForm {...props} catalog={d.actions} />}
      </Async>
    </Panel>
  );
}
