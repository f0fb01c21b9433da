import type { ViewProps } from "../app";
import { Panel } from "../components/panel";

export function IncidentDetailView({ params }: ViewProps) {
  return (
    <Panel title={`Incident ${params.id}`}>
      <p class="muted">Coming in this change.</p>
    </Panel>
  );
}
