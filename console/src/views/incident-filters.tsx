import { useState } from "preact/hooks";
import { SEVERITIES, SORT_FIELDS, STATUSES } from "./incident-types";
import { SelectField } from "../components/select-field";

/** The list's query as the URL holds it: the API's own parameter names, so a URL is also an API query. */
export interface ListFilters {
  status: string[];
  severity: string[];
  type: string;
  start_date: string;
  end_date: string;
  sort: string;
  order: string;
  page: number;
  per_page: number;
}

export const PER_PAGE_CHOICES = [10, 20, 50, 100];

const positive = (v: string | null, fallback: number) => {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : fallback;
};

export function filtersFrom(search: URLSearchParams): ListFilters {
  const multi = (k: string) =>
    search
      .getAll(k)
      .flatMap((v) => v.split(","))
      .filter(Boolean);
  return {
    status: multi("status"),
    severity: multi("severity"),
    type: search.get("type") ?? "",
    start_date: search.get("start_date") ?? "",
    end_date: search.get("end_date") ?? "",
    sort: search.get("sort") ?? "created_at",
    order: search.get("order") ?? "desc",
    page: positive(search.get("page"), 1),
    per_page: positive(search.get("per_page"), 20),
  };
}

/** The URL query (and the API query): repeated status/severity, defaults left out. */
export function searchOf(f: ListFilters): string {
  const q = new URLSearchParams();
  f.status.forEach((s) => q.append("status", s));
  f.severity.forEach((s) => q.append("severity", s));
  for (const k of ["type", "start_date", "end_date"] as const) if (f[k].trim()) q.set(k, f[k].trim());
  if (f.sort !== "created_at") q.set("sort", f.sort);
  if (f.order !== "desc") q.set("order", f.order);
  if (f.page !== 1) q.set("page", String(f.page));
  if (f.per_page !== 20) q.set("per_page", String(f.per_page));
  const s = q.toString();
  return s ? `?${s}` : "";
}

function CheckGroup(props: {
  legend: string;
  name: string;
  values: readonly string[];
  chosen: string[];
  onChange: (v: string[]) => void;
}) {
  const toggle = (v: string, on: boolean) => props.onChange(on ? [...props.chosen, v] : props.chosen.filter((c) => c !== v));
  return (
    <fieldset class="inc-checks">
      <legend>{props.legend}</legend>
      {props.values.map((v) => (
        <label key={v} class="inc-check">
          <input
            type="checkbox"
            name={props.name}
            value={v}
            checked={props.chosen.includes(v)}
            onChange={(e) => toggle(v, e.currentTarget.checked)}
          />
          {v}
        </label>
      ))}
    </fieldset>
  );
}

type Setter = <K extends keyof ListFilters>(k: K, v: ListFilters[K]) => void;

/** Sort field, direction and page size. */
function Ordering({ draft, set }: { draft: ListFilters; set: Setter }) {
  return (
    <>
      <SelectField label="Sort by" name="sort" value={draft.sort} options={SORT_FIELDS} onChange={(v) => set("sort", v)} />
      <label>
        Order
        <select name="order" value={draft.order} onChange={(e) => set("order", e.currentTarget.value)}>
          <option value="desc">Descending</option>
          <option value="asc">Ascending</option>
        </select>
      </label>
      <label>
        Per page
        <select name="per_page" value={String(draft.per_page)} onChange={(e) => set("per_page", Number(e.currentTarget.value))}>
          {PER_PAGE_CHOICES.map((n) => (
            <option key={n} value={String(n)}>
              {n}
            </option>
          ))}
        </select>
      </label>
    </>
  );
}

/**
 * A draft of the filters, applied on submit so typing a type does not query on every key; the
 * parent keys this form by the URL so Back and reload show the filters in force.
 */
export function IncidentFilters({ value, onApply }: { value: ListFilters; onApply: (f: ListFilters) => void }) {
  const [draft, setDraft] = useState(value);
  const set: Setter = (k, v) => setDraft((d) => ({ ...d, [k]: v }));
  const text = (k: "type" | "start_date" | "end_date") => (e: Event) => set(k, (e.currentTarget as HTMLInputElement).value);
  const clear = { ...value, status: [], severity: [], type: "", start_date: "", end_date: "", page: 1 };
  return (
    <form
      class="filters inc-filters"
      aria-label="Incident filters"
      onSubmit={(e) => {
        e.preventDefault();
        onApply({ ...draft, page: 1 });
      }}
    >
      <CheckGroup legend="Status" name="status" values={STATUSES} chosen={draft.status} onChange={(v) => set("status", v)} />
      <CheckGroup
        legend="Severity"
        name="severity"
        values={SEVERITIES}
        chosen={draft.severity}
        onChange={(v) => set("severity", v)}
      />
      <label>
        Type
        <input name="type" value={draft.type} onInput={text("type")} placeholder="e.g. suspicious_login" maxLength={100} />
      </label>
      <label>
        Created from
        <input type="date" name="start_date" value={draft.start_date} onInput={text("start_date")} />
      </label>
      <label>
        Created through
        <input type="date" name="end_date" value={draft.end_date} onInput={text("end_date")} />
      </label>
      <Ordering draft={draft} set={set} />
      <div class="inc-filter-buttons">
        <button type="submit" class="primary">
          Apply filters
        </button>
        <button type="button" onClick={() => onApply(clear)}>
          Clear filters
        </button>
      </div>
    </form>
  );
}
