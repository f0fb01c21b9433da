import { Async, Badge, Panel } from "../components/panel";
import { api } from "../lib/api";
import { dateTime, timeAgo } from "../lib/format";
import { useApi } from "../lib/use-api";
import { CONSENSUS_REFRESH_MS, nameOf, type AgentNames, type Evidence } from "./agents-types";

const LIMIT = 20;

function EvidenceRow({ e, names }: { e: Evidence; names: AgentNames }) {
  return (
    <tr data-evidence-id={e.evidence_id}>
      <th scope="row">
        {nameOf(names, e.agent_id)} <Badge tone="byzantine">equivocated</Badge>
        <div class="muted q-mono q-small q-break">{e.agent_id}</div>
      </th>
      <td>
        view {e.view}, sequence {e.sequence}, n = {e.n}
      </td>
      <td>
        <ul class="q-list">
          {e.votes.map((v, i) => (
            <li key={i}>
              {v.phase.toUpperCase()} for <code class="q-break">{v.digest}</code>
              <details>
                <summary>Signature {i + 1}</summary>
                <code class="q-break">{v.signature}</code>
              </details>
            </li>
          ))}
        </ul>
      </td>
      <td title={dateTime(e.detected_at)}>{timeAgo(e.detected_at)}</td>
    </tr>
  );
}

/** Each piece is two conflicting, validly signed votes: checkable offline with the agent's public key. */
export function EvidencePanel({ names }: { names: AgentNames }) {
  const state = useApi(
    (signal) => api.get<{ evidence: Evidence[] }>("/v3/consensus/evidence", { limit: LIMIT }, signal),
    [],
    CONSENSUS_REFRESH_MS,
  );
  const count = state.data?.evidence.length;
  return (
    <Panel
      title="Byzantine evidence"
      class="span-6"
      actions={
        <span class="muted q-small" aria-live="polite">
          {count === undefined ? "" : `${count} piece${count === 1 ? "" : "s"} (newest ${LIMIT})`}
        </span>
      }
    >
      <Async
        state={state}
        isEmpty={(d) => d.evidence.length === 0}
        empty="No equivocation detected: no agent has signed two different values for one round."
      >
        {(d) => (
          <div class="table-wrap">
            <table data-table="evidence">
              <caption class="sr-only">Equivocation evidence, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Agent</th>
                  <th scope="col">Round</th>
                  <th scope="col">Conflicting votes</th>
                  <th scope="col">Detected</th>
                </tr>
              </thead>
              <tbody>
                {d.evidence.map((e) => (
                  <EvidenceRow key={e.evidence_id} e={e} names={names} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Async>
    </Panel>
  );
}
