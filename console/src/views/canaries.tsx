import type { ViewProps } from "../app";
import { Async, Badge, Panel } from "../components/panel";
import { api, withQuery } from "../lib/api";
import { dateTime, timeAgo } from "../lib/format";
import { Link, navigate, useLocation } from "../lib/router";
import { hasRole } from "../lib/session";
import { useApi } from "../lib/use-api";
import { DeployPanel } from "./canary-deploy";
import { TokenDetailPanel } from "./canary-detail";
import { CANARY_BASE, TOKEN_STATUSES, tokenTone, ZONES, type TokenSummary } from "./canary-types";
import "./quantum.css";
import { SelectField } from "../components/select-field";

/** The list route's filters and the selected token live in the URL, so a view of one token can be linked. */
interface Query {
  zone: string;
  status: string;
  limit: string;
  token: string;
}

const LIMITS = ["25", "100", "500"];

function queryOf(search: URLSearchParams): Query {
  return {
    zone: search.get("zone") ?? "",
    status: search.get("status") ?? "",
    limit: search.get("limit") ?? "100",
    token: search.get("token") ?? "",
  };
}

const hrefOf = (q: Query) => withQuery("/canaries", { ...q, limit: q.limit === "100" ? "" : q.limit });

function Filters({ q }: { q: Query }) {
  const set = (patch: Partial<Query>) => navigate(hrefOf({ ...q, ...patch }), true);
  return (
    <div class="filters" role="group" aria-label="Filter canary tokens">
      <SelectField label="Zone" name="zone" value={q.zone} options={ZONES} empty="Any zone" onChange={(zone) => set({ zone })} />
      <SelectField
        label="Token status"
        name="status"
        value={q.status}
        options={TOKEN_STATUSES}
        empty="Any status"
        onChange={(status) => set({ status })}
      />
      <SelectField label="Show at most" name="limit" value={q.limit} options={LIMITS} onChange={(limit) => set({ limit })} />
    </div>
  );
}

function TokenTable({ tokens, q }: { tokens: TokenSummary[]; q: Query }) {
  return (
    <div class="table-wrap">
      <table data-table="canary-tokens">
        <caption class="sr-only">Canary tokens, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Token</th>
            <th scope="col">Status</th>
            <th scope="col">Zone</th>
            <th scope="col">Hits</th>
            <th scope="col">Last hit</th>
            <th scope="col">Expires</th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((t) => {
            const selected = t.token_id === q.token;
            return (
              <tr key={t.token_id} data-token-id={t.token_id} aria-current={selected ? "true" : undefined}>
                <th scope="row">
                  <Link class="q-row-link q-mono" href={hrefOf({ ...q, token: t.token_id })} aria-label={`Token ${t.token_id}`}>
                    {t.token_id.slice(0, 8)}…
                  </Link>
                  {selected && <span class="muted q-small"> (selected)</span>}
                  <div class="muted q-small">created {timeAgo(t.creation_time)}</div>
                </th>
                <td>
                  <Badge tone={tokenTone(t.status)}>{t.status}</Badge>
                </td>
                <td>{t.deployment_location}</td>
                <td>{t.hits}</td>
                <td title={dateTime(t.last_hit_time)}>{timeAgo(t.last_hit_time)}</td>
                <td>{dateTime(t.expiration_time)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function CanariesView({ session }: ViewProps) {
  const { search } = useLocation();
  const q = queryOf(search);
  const canWrite = hasRole(session, "analyst");
  const list = useApi(
    (signal) => api.get<{ tokens: TokenSummary[] }>(CANARY_BASE, { zone: q.zone, status: q.status, limit: q.limit }, signal),
    [q.zone, q.status, q.limit],
    30_000,
  );
  const count = list.data?.tokens.length;
  return (
    <div class="q-view">
      <header class="q-view-head">
        <h1>Canaries</h1>
        <p class="muted">Quantum canary tokens: tripwire URLs and decoy credentials with a simulated BB84/CHSH state.</p>
      </header>
      <div class="grid">
        <Panel
          title="Canary tokens"
          class="span-12"
          actions={
            <span class="muted q-small" aria-live="polite">
              {count === undefined ? "" : `${count} shown`}
            </span>
          }
        >
          <Filters q={q} />
          <Async state={list} isEmpty={(d) => d.tokens.length === 0} empty="No canary tokens match these filters.">
            {(d) => <TokenTable tokens={d.tokens} q={q} />}
          </Async>
        </Panel>
        {q.token && <TokenDetailPanel key={q.token} id={q.token} canWrite={canWrite} onChanged={list.reload} />}
        {canWrite ? (
          <DeployPanel
            onDeployed={(t) => {
              list.reload();
              navigate(hrefOf({ ...q, token: t.token_id }));
            }}
          />
        ) : (
          <Panel title="Deploy a canary token" class="span-12">
            <p class="muted">
              Deploying canary tokens needs the analyst role or higher; you are signed in as {session.me.role ?? "no role"}.
            </p>
          </Panel>
        )}
      </div>
    </div>
  );
}
