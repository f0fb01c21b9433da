import type { Severity, SystemType } from "../../../schema";
import type { NewEvent } from "./model";

/** Real countries with their ISO 3166-1 alpha-2 codes. */
const ORIGINS: readonly [string, string][] = [
  ["Russia", "RU"],
  ["China", "CN"],
  ["Iran", "IR"],
  ["North Korea", "KP"],
  ["Brazil", "BR"],
  ["India", "IN"],
  ["Germany", "DE"],
  ["United States", "US"],
  ["Netherlands", "NL"],
  ["Romania", "RO"],
  ["Nigeria", "NG"],
  ["Vietnam", "VN"],
  ["Turkey", "TR"],
  ["Ukraine", "UA"],
  ["Indonesia", "ID"],
  ["Pakistan", "PK"],
];

/** Plausible systems and what goes wrong with them, per system type. */
const SYSTEMS: Record<SystemType, { systems: string[]; descriptions: string[] }> = {
  grid: {
    systems: ["substation-north-7", "scada-hmi-2", "load-dispatch-1", "relay-cluster-b"],
    descriptions: [
      "Unauthorised breaker command attempt",
      "Modbus write to protected register",
      "Anomalous DNP3 traffic burst",
      "Relay firmware checksum mismatch",
    ],
  },
  lng: {
    systems: ["terminal-control-a", "boil-off-monitor", "ship-loading-arm-3", "tank-farm-plc"],
    descriptions: [
      "Setpoint change outside maintenance window",
      "PLC logic download from unknown host",
      "Pressure telemetry replay detected",
      "Safety system bypass flag toggled",
    ],
  },
  access: {
    systems: ["vpn-gateway-eu", "badge-controller-hq", "sso-idp", "bastion-02"],
    descriptions: [
      "Credential stuffing against VPN portal",
      "Impossible-travel sign-in",
      "Badge cloned at restricted door",
      "Brute force on bastion SSH",
    ],
  },
  comms: {
    systems: ["mpls-core-1", "satcom-uplink", "voip-pbx", "dns-resolver-2"],
    descriptions: [
      "BGP route leak affecting core prefix",
      "Satellite uplink jamming pattern",
      "SIP registration flood",
      "DNS tunnelling to rare domain",
    ],
  },
  defense: {
    systems: ["c2-relay-4", "radar-data-link", "secure-mail-gw", "crypto-module-hsm"],
    descriptions: [
      "Beaconing to known C2 infrastructure",
      "Malformed track data injected on data link",
      "Spear-phishing with weaponised attachment",
      "HSM tamper sensor tripped",
    ],
  },
};

/** Severity skews low, as real event streams do: 50 % low, 30 % medium, 15 % high, 5 % critical. */
const SEVERITY_WEIGHTS: readonly [Severity, number][] = [
  ["low", 0.5],
  ["medium", 0.3],
  ["high", 0.15],
  ["critical", 0.05],
];

const pick = <T>(items: readonly T[], random: () => number) => items[Math.floor(random() * items.length)]!;

function severityFor(r: number): Severity {
  let acc = 0;
  for (const [severity, weight] of SEVERITY_WEIGHTS) if (r < (acc += weight)) return severity;
  return "low";
}

/** One generated threat event for a tenant in simulation mode; marked as simulated in its details. */
export function simulatedEvent(tenantId: string, random: () => number = Math.random, now = Date.now()): NewEvent {
  const [country, countryCode] = pick(ORIGINS, random);
  const systemType = pick(Object.keys(SYSTEMS) as SystemType[], random);
  const { systems, descriptions } = SYSTEMS[systemType];
  return {
    tenantId,
    source: "command",
    type: "command.threat.simulated",
    severity: severityFor(random()),
    country,
    countryCode,
    system: pick(systems, random),
    systemType,
    description: pick(descriptions, random),
    occurredAt: now,
    details: { simulated: true },
  };
}

/** Seconds between simulated events: 3 to 10, so a demo stream is visibly alive. */
export const nextSimulationDelayMs = (random: () => number = Math.random) => 3000 + Math.floor(random() * 7000);
