import { useMemo, useState } from "preact/hooks";
import type { ViewProps } from "../app";
import { api } from "../lib/api";
import { useApi } from "../lib/use-api";
import { CertificatesPanel, ClusterPanel, type StatusWithAgents } from "./agents-cluster";
import { EvidencePanel } from "./agents-evidence";
import { AgentsPanel, useAgentList, type AgentFilter } from "./agents-table";
import { CONSENSUS_REFRESH_MS, type AgentNames } from "./agents-types";
import "./quantum.css";

/**
 * Agents & consensus: the tenant's Byzantine cluster as the API reports it. Every panel polls every
 * 10 s; the cluster status (with every agent's name) also names the signers and equivocators in the
 * other panels, whatever filter the agent table has.
 */
export function AgentsView(_: ViewProps) {
  const [filter, setFilter] = useState<AgentFilter>({ status: "", capability: "", offset: 0 });
  const status = useApi(
    (signal) => api.get<StatusWithAgents>("/v3/consensus/status", { include_agents: "true", include_history: "true" }, signal),
    [],
    CONSENSUS_REFRESH_MS,
  );
  const agents = useAgentList(filter, CONSENSUS_REFRESH_MS);
  const names: AgentNames = useMemo(() => new Map((status.data?.agents ?? []).map((a) => [a.agent_id, a.name])), [status.data]);
  return (
    <div class="q-view">
      <header class="q-view-head">
        <h1>Agents &amp; consensus</h1>
        <p class="muted">Refreshes every {CONSENSUS_REFRESH_MS / 1000} seconds.</p>
      </header>
      <div class="grid">
        <ClusterPanel state={status} />
        <AgentsPanel state={agents} filter={filter} onFilter={setFilter} />
        <CertificatesPanel status={status.data} names={names} />
        <EvidencePanel names={names} />
      </div>
    </div>
  );
}
