import type { ViewProps } from "../app";
import { Panel } from "../components/panel";

export function IncidentsView(_: ViewProps) {
  return (
    <Panel title="Incidents">
      <p class="muted">Coming in this change.</p>
    </Panel>
  );
}
