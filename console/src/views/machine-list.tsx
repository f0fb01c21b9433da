import { Async, Badge, Panel } from "../components/panel";
import { api } from "../lib/api";
import { timeAgo } from "../lib/format";
import { Link } from "../lib/router";
import { useApi, type Loadable } from "../lib/use-api";

export interface MachineSummary {
  slug: string;
  visibility: "public" | "private";
  owner_user_id: string;
  owned: boolean;
  theta: number;
  created_at: string;
}

interface MachineList {
  ok: true;
  machines: MachineSummary[];
  truncated: boolean;
}

/** The signed-in user's tenant's machines (GET /api/av/machines). */
export function useMachines(): Loadable<MachineList> {
  return useApi((signal) => api.get<MachineList>("/api/av/machines", undefined, signal), [], 60_000);
}

export function MachineListPanel(props: { state: Loadable<MachineList>; current: string; hrefFor: (slug: string) => string }) {
  return (
    <Panel title="Your tenant's machines">
      <p class="q-hint">Public machines' threats are readable by anyone; a private machine's only by its owner.</p>
      <Async state={props.state} isEmpty={(d) => d.machines.length === 0} empty="No machines are registered in this tenant.">
        {(d) => (
          <>
            <ul class="q-list" data-list="machines">
              {d.machines.map((m) => (
                <li key={m.slug}>
                  <Link
                    href={props.hrefFor(m.slug)}
                    aria-current={m.slug === props.current ? "true" : undefined}
                    data-machine-link={m.slug}
                  >
                    {m.slug}
                  </Link>{" "}
                  <Badge tone={m.visibility === "public" ? "ok" : "neutral"}>{m.visibility}</Badge>
                  {m.owned && <span class="muted q-small"> · yours</span>}
                  <span class="muted q-small">
                    {" "}
                    · θ {m.theta} · added {timeAgo(m.created_at)}
                  </span>
                </li>
              ))}
            </ul>
            {d.truncated && <p class="q-hint">Showing the first {d.machines.length} machines by slug.</p>}
          </>
        )}
      </Async>
    </Panel>
  );
}
