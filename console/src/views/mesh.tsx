import type { ViewProps } from "../app";
import { Panel } from "../components/panel";

export function MeshView(_: ViewProps) {
  return (
    <Panel title="Mesh">
      <p class="muted">Coming in this change.</p>
    </Panel>
  );
}
