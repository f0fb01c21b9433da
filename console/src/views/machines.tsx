import { useEffect, useState } from "preact/hooks";
import type { ViewProps } from "../app";
import { Panel } from "../components/panel";
import { withQuery } from "../lib/api";
import { navigate, useLocation } from "../lib/router";
import { OwnerAccessPanel } from "./machine-owner";
import { MachineListPanel, useMachines, type MachineSummary } from "./machine-list";
import { MeshFeedPanel, ThreatsPanel } from "./machine-threats";
import "./quantum.css";

const WINDOWS = ["1h", "6h", "24h", "7d", "30d", "90d"];
const DEFAULT_WINDOW = "24h";
// The family's SLUG rule as an HTML pattern (compiled with the v flag, where a bare "-" in a class is an error).
const SLUG_PATTERN = "[a-z0-9][a-z0-9\\-]{2,63}";

const hrefFor = (machine: string, window: string) =>
  withQuery("/machines", { machine, window: window === DEFAULT_WINDOW ? "" : window });

/** Typed, or picked from the tenant's machines (a datalist: suggestions; a public machine elsewhere can be typed). */
function SlugField(props: { value: string; onInput: (v: string) => void; seen: MachineSummary[] }) {
  return (
    <label>
      Machine slug
      <input
        name="machine"
        list="machine-slugs"
        required
        value={props.value}
        pattern={SLUG_PATTERN}
        title="3–64 lowercase letters, digits or '-', starting with a letter or digit"
        autoComplete="off"
        spellcheck={false}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
      <span class="q-hint">3–64 lowercase letters, digits or “-”</span>
      <datalist id="machine-slugs">
        {props.seen.map((m) => (
          <option key={m.slug} value={m.slug} />
        ))}
      </datalist>
    </label>
  );
}

function ChooseMachine(props: { machine: string; window: string; seen: MachineSummary[] }) {
  const [slug, setSlug] = useState(props.machine);
  const [window, setWindow] = useState(props.window);
  // A window from a shared link that is not a preset is still offered, so the select shows the truth.
  const windows = WINDOWS.includes(props.window) ? WINDOWS : [props.window, ...WINDOWS];
  return (
    <Panel title="Choose a machine">
      <form
        class="q-form"
        aria-label="Choose a machine"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(hrefFor(slug.trim(), window));
        }}
      >
        <SlugField value={slug} onInput={setSlug} seen={props.seen} />
        <label>
          Time window
          <select name="window" value={window} onChange={(e) => setWindow(e.currentTarget.value)}>
            {windows.map((w) => (
              <option key={w} value={w}>
                last {w}
              </option>
            ))}
          </select>
          <span class="q-hint">The threats route's window</span>
        </label>
        <div class="q-form-actions">
          <button type="submit" class="primary">
            Show threats
          </button>
        </div>
      </form>
    </Panel>
  );
}

/** Machines of the agent-claims family: the tenant's list, and the chosen one (?machine=) with its threats. */
export function MachinesView(_: ViewProps) {
  const { search } = useLocation();
  const machine = search.get("machine") ?? "";
  const window = search.get("window") || DEFAULT_WINDOW;
  const machines = useMachines();
  const first = machines.data?.machines[0]?.slug;
  // With none chosen, the tenant's first machine is shown rather than an empty panel.
  useEffect(() => {
    if (!machine && first) navigate(hrefFor(first, window), true);
  }, [machine, first, window]);
  const [nonce, setNonce] = useState(0);
  return (
    <div class="q-view">
      <header class="q-view-head">
        <h1>Machines</h1>
        <p class="muted">Endpoint agent claims: a machine's recent claims and the publishers it follows.</p>
      </header>
      <div class="grid">
        <div class="span-8 q-col">
          <ChooseMachine key={`${machine}|${window}`} machine={machine} window={window} seen={machines.data?.machines ?? []} />
          {machine ? (
            <ThreatsPanel key={`${machine}|${window}|${nonce}`} slug={machine} window={window} />
          ) : (
            <Panel title="Recent threats">
              <p class="muted">Choose a machine to see its recent claims.</p>
            </Panel>
          )}
        </div>
        <div class="span-4 q-col">
          <MachineListPanel state={machines} current={machine} hrefFor={(slug) => hrefFor(slug, window)} />
          {machine && <MeshFeedPanel key={`${machine}|${nonce}`} slug={machine} />}
          <OwnerAccessPanel onChange={() => setNonce((n) => n + 1)} />
        </div>
      </div>
    </div>
  );
}
