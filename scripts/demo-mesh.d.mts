// Types for demo-mesh.mjs, which the tests import.
export interface DemoNode {
  id: string;
  label: string;
  systemType: string;
  region: string;
  protected: boolean;
}
export function demoMesh(): { nodes: DemoNode[]; links: { sourceId: string; targetId: string; weight: number }[] };
export function seedDemoMesh(url: string, apiKey: string): Promise<{ nodes: number; links: number }>;
