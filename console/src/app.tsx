import type { ComponentType } from "preact";
import { useEffect } from "preact/hooks";
import { Loading } from "./components/panel";
import { Link, match, navigate, useLocation } from "./lib/router";
import { restoreSession, signOut, useSession, watchSessionExpiry, type Session } from "./lib/session";
import { AgentsView } from "./views/agents";
import { CanariesView } from "./views/canaries";
import { IncidentDetailView } from "./views/incident-detail";
import { IncidentsView } from "./views/incidents";
import { LiveView } from "./views/live";
import { MachinesView } from "./views/machines";
import { MeshView } from "./views/mesh";
import { SignInView } from "./views/sign-in";

export interface ViewProps {
  session: Session;
  params: Record<string, string>;
}

interface RouteDef {
  pattern: string;
  view: ComponentType<ViewProps>;
  /** In the navigation, with this label; detail routes are reached from their lists. */
  nav?: string;
  section: string;
}

const ROUTES: RouteDef[] = [
  { pattern: "/live", view: LiveView, nav: "Live threats", section: "/live" },
  { pattern: "/mesh", view: MeshView, nav: "Mesh", section: "/mesh" },
  { pattern: "/incidents", view: IncidentsView, nav: "Incidents", section: "/incidents" },
  { pattern: "/incidents/:id", view: IncidentDetailView, section: "/incidents" },
  { pattern: "/agents", view: AgentsView, nav: "Agents & consensus", section: "/agents" },
  { pattern: "/canaries", view: CanariesView, nav: "Canaries", section: "/canaries" },
  { pattern: "/machines", view: MachinesView, nav: "Machines", section: "/machines" },
];

function resolve(path: string): { route: RouteDef; params: Record<string, string> } | null {
  for (const route of ROUTES) {
    const params = match(route.pattern, path);
    if (params) return { route, params };
  }
  return null;
}

function Shell({ session }: { session: Session }) {
  const { path } = useLocation();
  const found = resolve(path);
  useEffect(() => {
    if (!found) navigate("/live", true);
  }, [found]);
  useEffect(() => watchSessionExpiry(), []);
  useEffect(() => {
    const label = found?.route.nav ?? ROUTES.find((r) => r.section === found?.route.section && r.nav)?.nav;
    document.title = label ? `${label} · Vigil` : "Vigil console";
  }, [found]);
  if (!found) return <Loading />;
  const View = found.route.view;
  const who = session.username ?? `${session.me.role ?? session.me.kind} (authorization code)`;
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand" aria-label="Vigil">
          <span aria-hidden="true">◈</span> Vigil
        </span>
        <nav aria-label="Main">
          <ul>
            {ROUTES.filter((r) => r.nav).map((r) => (
              <li key={r.pattern}>
                <Link href={r.pattern} aria-current={found.route.section === r.section ? "page" : undefined}>
                  {r.nav}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span title={`Tenant ${session.me.tenant_id}`}>
            {who} · <span class="role">{session.me.role ?? "no role"}</span>
          </span>
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <View key={found.route.pattern} session={session} params={found.params} />
      </main>
    </div>
  );
}

export function App() {
  const state = useSession();
  useEffect(() => void restoreSession(), []);
  if (state.status === "loading") return <Loading what="Checking your session" />;
  if (state.status === "signed-out") return <SignInView notice={state.notice} />;
  return <Shell session={state.session} />;
}
