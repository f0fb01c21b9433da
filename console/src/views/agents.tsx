import type { ViewProps } from "../app";
import { Panel } from "../components/panel";

export function AgentsView(_: ViewProps) {
  return (
    <Panel title="Agents">
      <p class="muted">Coming in this change.</p>
    </Panel>
  );
}
