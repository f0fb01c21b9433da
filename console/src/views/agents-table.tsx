import { Fragment } from "preact";
import { useState } from "preact/hooks";
import { Async, Badge, Panel } from "../components/panel";
import { api } from "../lib/api";
import { dateTime, timeAgo } from "../lib/format";
import { useApi, type Loadable } from "../lib/use-api";
import { agentTone, AGENT_STATUSES, percent, type Agent, type AgentList, type AgentMetrics } from "./agents-types";
import { SelectField } from "../components/select-field";

const PAGE = 50;

export interface AgentFilter {
  status: string;
  capability: string;
  offset: number;
}

/** The list route's own filters (status, capability) and paging; the view owns the fetch so names are shared. */
export function useAgentList(filter: AgentFilter, refreshMs: number): Loadable<AgentList> {
  return useApi(
    (signal) =>
      api.get<AgentList>(
        "/v3/consensus/agents",
        { status: filter.status, capability: filter.capability, limit: PAGE, offset: filter.offset },
        signal,
      ),
    [filter.status, filter.capability, filter.offset],
    refreshMs,
  );
}

function Filters({ filter, onChange }: { filter: AgentFilter; onChange: (f: AgentFilter) => void }) {
  const [capability, setCapability] = useState(filter.capability);
  return (
    <form
      class="filters"
      aria-label="Filter agents"
      onSubmit={(e) => {
        e.preventDefault();
        onChange({ ...filter, capability: capability.trim(), offset: 0 });
      }}
    >
      <SelectField
        label="Agent status"
        name="status"
        value={filter.status}
        options={AGENT_STATUSES}
        empty="Any status"
        onChange={(status) => onChange({ ...filter, status, offset: 0 })}
      />
      <label>
        Capability
        <input name="capability" value={capability} maxLength={64} onInput={(e) => setCapability(e.currentTarget.value)} />
      </label>
      <button type="submit">Apply filters</button>
    </form>
  );
}

/** Fetched only when asked for: the list already carries a snapshot, this is the live metrics route. */
function MetricsRow({ agent, id }: { agent: Agent; id: string }) {
  const state = useApi(
    (signal) => api.get<AgentMetrics>(`/v3/consensus/agents/${encodeURIComponent(agent.agent_id)}/metrics`, {}, signal),
    [agent.agent_id],
  );
  return (
    <tr class="q-subrow">
      <td colSpan={6} id={id} aria-live="polite">
        <Async state={state}>
          {(m) => (
            <dl class="q-stats q-stats-compact" data-agent-metrics={agent.agent_id}>
              <Stat label="Rounds assigned" value={m.rounds_assigned} />
              <Stat label="Certified commits" value={m.tasks_completed} />
              <Stat label="Success rate" value={percent(m.success_rate)} />
              <Stat
                label="Mean response"
                value={m.average_response_time_ms === null ? "—" : `${m.average_response_time_ms} ms`}
              />
              <Stat label="Invalid signatures" value={m.invalid_signatures} />
              <Stat label="CPU (reported)" value={m.cpu_usage === null ? "not reported" : `${m.cpu_usage} %`} />
              <Stat label="Memory (reported)" value={m.memory_usage === null ? "not reported" : `${m.memory_usage} %`} />
              <Stat label="Reputation" value={m.reputation} />
              <Stat label="Measured since" value={dateTime(m.measured_since)} />
            </dl>
          )}
        </Async>
      </td>
    </tr>
  );
}

export function Stat({ label, value }: { label: string; value: string | number }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

function AgentRow({ agent, open, onToggle }: { agent: Agent; open: boolean; onToggle: () => void }) {
  const metricsId = `metrics-${agent.agent_id}`;
  return (
    <Fragment>
      <tr data-agent-id={agent.agent_id}>
        <th scope="row">
          {agent.name}
          <div class="muted q-mono q-small q-break">{agent.agent_id}</div>
        </th>
        <td>
          <Badge tone={agentTone(agent.status)}>{agent.status}</Badge>
          {agent.deactivated_at && <div class="muted q-small">deactivated {dateTime(agent.deactivated_at)}</div>}
        </td>
        <td>{agent.reputation}</td>
        <td title={dateTime(agent.last_heartbeat)}>{timeAgo(agent.last_heartbeat)}</td>
        <td>{agent.capabilities.join(", ") || "—"}</td>
        <td>
          <button type="button" aria-expanded={open} aria-controls={metricsId} onClick={onToggle}>
            {open ? "Hide metrics" : "Metrics"}
            <span class="sr-only"> for {agent.name}</span>
          </button>
        </td>
      </tr>
      {open && <MetricsRow agent={agent} id={metricsId} />}
    </Fragment>
  );
}

function AgentTable({ list }: { list: AgentList }) {
  const [open, setOpen] = useState<Set<string>>(new Set());
  const toggle = (id: string) =>
    setOpen((s) => {
      const next = new Set(s);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  return (
    <div class="table-wrap">
      <table data-table="agents">
        <caption class="sr-only">Consensus agents</caption>
        <thead>
          <tr>
            <th scope="col">Agent</th>
            <th scope="col">Status</th>
            <th scope="col">Reputation</th>
            <th scope="col">Last heartbeat</th>
            <th scope="col">Capabilities</th>
            <th scope="col">Metrics</th>
          </tr>
        </thead>
        <tbody>
          {list.agents.map((a) => (
            <AgentRow key={a.agent_id} agent={a} open={open.has(a.agent_id)} onToggle={() => toggle(a.agent_id)} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Pager({ list, onOffset }: { list: AgentList; onOffset: (o: number) => void }) {
  if (list.total_count <= list.limit && list.offset === 0) return null;
  const last = Math.min(list.offset + list.agents.length, list.total_count);
  return (
    <nav class="pager" aria-label="Agent pages">
      <button type="button" disabled={list.offset === 0} onClick={() => onOffset(Math.max(0, list.offset - list.limit))}>
        Previous page
      </button>
      <span>
        {list.offset + 1}–{last} of {list.total_count}
      </span>
      <button type="button" disabled={last >= list.total_count} onClick={() => onOffset(list.offset + list.limit)}>
        Next page
      </button>
    </nav>
  );
}

export function AgentsPanel(props: { state: Loadable<AgentList>; filter: AgentFilter; onFilter: (f: AgentFilter) => void }) {
  const { state, filter, onFilter } = props;
  const summary = state.data
    ? `${state.data.total_count} agent${state.data.total_count === 1 ? "" : "s"} match`
    : state.loading
      ? "Loading agents"
      : "";
  return (
    <Panel
      title="Agents"
      class="span-12"
      actions={
        <span class="muted q-small" aria-live="polite">
          {summary}
        </span>
      }
    >
      <Filters filter={filter} onChange={onFilter} />
      <Async
        state={state}
        isEmpty={(l) => l.agents.length === 0}
        empty="No agents match. Agents register with consensus:manage and appear here."
      >
        {(list) => (
          <>
            <AgentTable list={list} />
            <Pager list={list} onOffset={(offset) => onFilter({ ...filter, offset })} />
          </>
        )}
      </Async>
    </Panel>
  );
}
