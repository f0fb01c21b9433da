import type { ViewProps } from "../app";
import { Async, Badge, Panel } from "../components/panel";
import { api } from "../lib/api";
import { severityKey } from "../lib/format";
import { Link, navigate, useLocation } from "../lib/router";
import { useApi } from "../lib/use-api";
import { filtersFrom, IncidentFilters, searchOf, type ListFilters } from "./incident-filters";
import type { Incident, IncidentPage, Pagination } from "./incident-types";
import { quiet, When } from "./incident-ui";
import "./incidents.css";

const REFRESH_MS = 30_000;

function IncidentRow({ i }: { i: Incident }) {
  return (
    <tr data-incident-id={i.id} data-incident-number={i.incident_id} data-status={i.status} data-severity={i.severity}>
      <th scope="row">
        <Link href={`/incidents/${encodeURIComponent(i.incident_id)}`}>{i.incident_id}</Link>
      </th>
      <td>{i.type}</td>
      <td data-cell="severity">
        <Badge tone={severityKey(i.severity)}>{i.severity}</Badge>
      </td>
      <td data-cell="status">
        <Badge tone={i.status}>{i.status}</Badge>
      </td>
      <td class="inc-desc">{i.description ?? <span class="muted">—</span>}</td>
      <td>{i.assigned_to ?? <span class="muted">unassigned</span>}</td>
      <td class="num">{i.occurrences}</td>
      <td>
        <When at={i.created_at} />
      </td>
      <td>
        <When at={i.updated_at} />
      </td>
    </tr>
  );
}

function IncidentTable({ rows }: { rows: Incident[] }) {
  return (
    // Focusable, so a keyboard can scroll the table sideways at narrow widths.
    <div class="table-wrap" tabIndex={0} role="region" aria-label="Incident rows, scrollable">
      <table class="inc-table">
        <caption class="sr-only">Incidents on this page; each incident number opens its detail</caption>
        <thead>
          <tr>
            <th scope="col">Incident</th>
            <th scope="col">Type</th>
            <th scope="col">Severity</th>
            <th scope="col">Status</th>
            <th scope="col">Description</th>
            <th scope="col">Assigned to</th>
            <th scope="col">Occurrences</th>
            <th scope="col">Created</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((i) => (
            <IncidentRow key={i.id} i={i} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Pager({ p, go }: { p: Pagination; go: (page: number) => void }) {
  return (
    <nav class="pager" aria-label="Incident pages">
      <button type="button" onClick={() => go(p.page - 1)} disabled={!p.has_prev}>
        Previous page
      </button>
      <span aria-live="polite" data-testid="incident-page-status">
        Page {p.page} of {Math.max(p.pages, 1)} · {p.total} incident{p.total === 1 ? "" : "s"}
      </span>
      <button type="button" onClick={() => go(p.page + 1)} disabled={!p.has_next}>
        Next page
      </button>
    </nav>
  );
}

export function IncidentsView(_: ViewProps) {
  const { path, search } = useLocation();
  const filters = filtersFrom(search);
  const query = searchOf(filters);
  const list = useApi((signal) => api.get<IncidentPage>(`/api/v1/incidents${query}`, undefined, signal), [query], REFRESH_MS);
  const apply = (f: ListFilters) => navigate(`${path}${searchOf(f)}`);
  const summary = list.data?.pagination;
  return (
    <div class="grid">
      <Panel
        class="span-12"
        title="Incidents"
        actions={
          <button type="button" onClick={list.reload} disabled={list.loading}>
            {list.loading ? "Refreshing…" : "Refresh"}
          </button>
        }
      >
        <IncidentFilters key={query} value={filters} onApply={apply} />
        {/* Not a live region: relative times change on every refresh; the pager's status line announces changes. */}
        <div class="inc-list" aria-busy={list.loading}>
          <Async
            state={quiet(list)}
            isEmpty={(d) => d.incidents.length === 0}
            empty={query ? "No incidents match these filters." : "No incidents yet."}
          >
            {(d) => <IncidentTable rows={d.incidents} />}
          </Async>
        </div>
        {summary && <Pager p={summary} go={(page) => apply({ ...filters, page })} />}
      </Panel>
    </div>
  );
}
