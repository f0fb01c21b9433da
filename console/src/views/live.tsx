import type { ViewProps } from "../app";
import { Panel } from "../components/panel";

export function LiveView(_: ViewProps) {
  return (
    <Panel title="Live">
      <p class="muted">Coming in this change.</p>
    </Panel>
  );
}
