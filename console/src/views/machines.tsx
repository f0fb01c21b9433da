import type { ViewProps } from "../app";
import { Panel } from "../components/panel";

export function MachinesView(_: ViewProps) {
  return (
    <Panel title="Machines">
      <p class="muted">Coming in this change.</p>
    </Panel>
  );
}
