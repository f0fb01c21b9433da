import type { ViewProps } from "../app";
import { Panel } from "../components/panel";

export function CanariesView(_: ViewProps) {
  return (
    <Panel title="Canaries">
      <p class="muted">Coming in this change.</p>
    </Panel>
  );
}
