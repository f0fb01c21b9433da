import { Async, Badge, ErrorNote, Panel } from "../components/panel";
import { api } from "../lib/api";
import { dateTime } from "../lib/format";
import { useApi, type Loadable } from "../lib/use-api";
import { Stat } from "./agents-table";
import { healthTone, nameOf, type AgentNames, type Certificate, type ClusterStatus, type RoundSummary } from "./agents-types";

export type StatusWithAgents = ClusterStatus & { agents?: { agent_id: string; name: string; connected: boolean }[] };

/** How many of the newest sequences the certificates panel asks for. */
const RECENT = 5;

export function ClusterPanel({ state }: { state: Loadable<StatusWithAgents> }) {
  return (
    <Panel title="Cluster status" class="span-12">
      <Async state={state}>
        {(s) => (
          <div aria-live="polite" data-cluster-health={s.status}>
            <p class="q-health">
              Health <Badge tone={healthTone(s.status)}>{s.status}</Badge>
            </p>
            <dl class="q-stats">
              <Stat label="Agents registered (n)" value={s.total_agents} />
              <Stat label="Live agents" value={s.live_agents} />
              <Stat label="Tolerates (f)" value={s.byzantine_tolerance} />
              <Stat label="Quorum" value={s.quorum_size} />
              <Stat label="Byzantine agents" value={s.byzantine_agents} />
              <Stat label="View" value={s.current_view} />
              <Stat label="Sequence" value={s.current_sequence} />
              <Stat label="Open rounds" value={s.open_rounds} />
            </dl>
          </div>
        )}
      </Async>
    </Panel>
  );
}

type CertResult = { sequence: number; round?: RoundSummary; cert?: Certificate; error?: unknown };

/**
 * The newest sequences' certificates. A committed certificate never changes, so they are fetched
 * again only when the sequence or the open-round count moves, not on every poll.
 */
function useCertificates(status: ClusterStatus | undefined): Loadable<CertResult[]> {
  const top = status?.current_sequence ?? 0;
  const open = status?.open_rounds ?? 0;
  return useApi(
    async (signal) => {
      const sequences = Array.from({ length: Math.min(RECENT, top) }, (_, i) => top - i);
      const rounds = new Map((status?.history ?? []).map((r) => [r.sequence, r]));
      return Promise.all(
        sequences.map(async (sequence): Promise<CertResult> => {
          const round = rounds.get(sequence);
          try {
            return { sequence, round, cert: await api.get<Certificate>(`/v3/consensus/certificates/${sequence}`, {}, signal) };
          } catch (error) {
            return { sequence, round, error };
          }
        }),
      );
    },
    [top, open],
  );
}

function CertificateCard({ item, names }: { item: CertResult; names: AgentNames }) {
  const { cert, round } = item;
  const signers = cert?.signatures.map((s) => s.agent_id) ?? [];
  const absent = cert?.voters.filter((v) => !signers.includes(v)) ?? [];
  return (
    <li class="q-card" data-certificate-sequence={item.sequence}>
      <h3>Sequence {item.sequence}</h3>
      {!cert ? (
        <>
          {round && (
            <p>
              Round <Badge tone={round.status === "failed" ? "failed" : "pending"}>{round.status}</Badge>
              {round.failure_reason ? ` (${round.failure_reason})` : ""}, proposal <code>{round.proposal_id}</code>
            </p>
          )}
          <ErrorNote error={item.error} />
        </>
      ) : (
        <>
          <dl class="q-kv">
            <dt>Proposal</dt>
            <dd>
              <code>{cert.proposal_id}</code>
            </dd>
            <dt>Value hash (SHA-256)</dt>
            <dd>
              <code class="q-break">{cert.digest}</code>
            </dd>
            <dt>View</dt>
            <dd>{cert.view}</dd>
            <dt>Votes</dt>
            <dd>
              {cert.signatures.length} signed of {cert.n} voters; quorum {cert.quorum} (f = {cert.f})
            </dd>
            <dt>Committed</dt>
            <dd>{dateTime(cert.committed_at)}</dd>
            <dt>Signed COMMIT</dt>
            <dd data-signers>{signers.map((id) => nameOf(names, id)).join(", ")}</dd>
            <dt>Voters not among the signers</dt>
            <dd>{absent.length ? absent.map((id) => nameOf(names, id)).join(", ") : "none"}</dd>
          </dl>
        </>
      )}
    </li>
  );
}

export function CertificatesPanel({ status, names }: { status: ClusterStatus | undefined; names: AgentNames }) {
  const state = useCertificates(status);
  return (
    <Panel title="Recent certificates" class="span-6">
      {status === undefined ? (
        <p class="muted">Waiting for the cluster status…</p>
      ) : (
        <Async state={state} empty="No rounds yet: nothing has been proposed to this cluster.">
          {(items) => (
            <ul class="q-cards" aria-live="polite">
              {items.map((item) => (
                <CertificateCard key={item.sequence} item={item} names={names} />
              ))}
            </ul>
          )}
        </Async>
      )}
    </Panel>
  );
}
