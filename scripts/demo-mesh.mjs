// The demo tenant's mesh: 30 nodes in five clusters (one per system type), each cluster a
// ring, clusters chained node by node, deterministic weights; two nodes protected.
const TYPES = ["grid", "lng", "access", "comms", "defense"];
const REGIONS = ["eu-north", "eu-west", "us-east", "ap-south"];
const PER_TYPE = 6;

const nodeId = (type, i) => `${type}-${String(i + 1).padStart(2, "0")}`;

// The systems the demo tenant's simulated events name (functions/platform/events/simulation.ts):
// the first four nodes of each cluster carry them as labels, so a simulated critical event against
// one moves that node toward CRITICAL (node states follow events naming a node by id or label).
const SIMULATED_SYSTEMS = {
  grid: ["substation-north-7", "scada-hmi-2", "load-dispatch-1", "relay-cluster-b"],
  lng: ["terminal-control-a", "boil-off-monitor", "ship-loading-arm-3", "tank-farm-plc"],
  access: ["vpn-gateway-eu", "badge-controller-hq", "sso-idp", "bastion-02"],
  comms: ["mpls-core-1", "satcom-uplink", "voip-pbx", "dns-resolver-2"],
  defense: ["c2-relay-4", "radar-data-link", "secure-mail-gw", "crypto-module-hsm"],
};

export function demoMesh() {
  const nodes = TYPES.flatMap((type, t) =>
    Array.from({ length: PER_TYPE }, (_, i) => ({
      id: nodeId(type, i),
      label: SIMULATED_SYSTEMS[type][i] ?? `${type.toUpperCase()} node ${i + 1}`,
      systemType: type,
      region: REGIONS[(t + i) % REGIONS.length],
      protected: i === 0 && (type === "grid" || type === "defense"),
    })),
  );
  const links = [];
  TYPES.forEach((type, t) => {
    for (let i = 0; i < PER_TYPE; i++) {
      links.push({ sourceId: nodeId(type, i), targetId: nodeId(type, (i + 1) % PER_TYPE), weight: 1 + ((i * 7 + t * 3) % 9) });
      if (t + 1 < TYPES.length)
        links.push({ sourceId: nodeId(type, i), targetId: nodeId(TYPES[t + 1], i), weight: 2 + ((i * 5 + t) % 7) });
    }
  });
  return { nodes, links };
}

export async function seedDemoMesh(url, apiKey) {
  const post = async (path, body) => {
    const res = await fetch(url + path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-API-Key": apiKey },
      body: JSON.stringify(body),
    });
    if (!res.ok && res.status !== 409) throw new Error(`${path} → ${res.status} ${await res.text()}`);
  };
  const { nodes, links } = demoMesh();
  for (const node of nodes) await post("/api/mesh/nodes", node);
  for (const link of links) await post("/api/mesh/links", link);
  return { nodes: nodes.length, links: links.length };
}
