/** The canary family's response shapes (functions/quantum/canary/schemas.ts), as far as the console reads them. */
export const ZONES = ["edge", "core", "cloud", "dmz"] as const;
export const TOKEN_STATUSES = ["active", "collapsed", "expired"] as const;
export type TokenStatus = (typeof TOKEN_STATUSES)[number];

export interface SimulationLabel {
  simulated: true;
  method: string;
  quantum_state_encoding: string;
}

export interface CanaryCheck {
  at: string;
  eavesdropper: boolean;
  sifted_bits: number;
  errors: number;
  qber: number | null;
  chsh_s: number;
  chsh_trials: number;
  disturbed: boolean;
}

export interface DeployedToken {
  token_id: string;
  deployment_location: string;
  quantum_state: string;
  creation_time: string;
  expiration_time: string;
  monitoring_url: string;
  decoy_credential: string;
  status: TokenStatus;
  num_qubits: number;
  entanglement_pairs: number;
  metadata: Record<string, unknown>;
  simulation: SimulationLabel;
}

/** Reads carry the tripwire's secrets only for callers who may deploy (write scope). */
export interface TokenSummary extends Omit<DeployedToken, "monitoring_url" | "decoy_credential"> {
  monitoring_url?: string;
  decoy_credential?: string;
  hits: number;
  suppressed_hits: number;
  last_hit_time: string | null;
  last_alert_time: string | null;
}

export interface CanaryHit {
  at: string;
  channel: "monitoring_url" | "decoy_credential" | "collapse_test";
  ip: string | null;
  user_agent: string | null;
  country: string | null;
  detail: string | null;
  alerted: boolean;
}

export interface TokenStatusDetail extends TokenSummary {
  last_check: CanaryCheck;
  recent_hits: CanaryHit[];
}

export interface TestResult {
  token_id: string;
  test: "intercept_resend";
  collapsed: boolean;
  status: TokenStatus;
  check: CanaryCheck;
  event_id: string | null;
  simulation: SimulationLabel;
}

/** Token states to the shared badge tones; the badge text names the state as well. */
export const tokenTone = (s: TokenStatus): string =>
  ({ active: "active", collapsed: "collapsed", expired: "expired" })[s] ?? "neutral";

export const CHANNEL_LABEL: Record<CanaryHit["channel"], string> = {
  monitoring_url: "Monitoring URL",
  decoy_credential: "Decoy credential",
  collapse_test: "Collapse test",
};

export const CANARY_BASE = "/v3/quantum/canary/tokens";
export const tokenPath = (id: string, tail = "") => `${CANARY_BASE}/${encodeURIComponent(id)}${tail}`;
