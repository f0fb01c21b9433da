import { request, withQuery } from "../lib/api";

/**
 * The agent-claims reads take the console's sign-in (its cookie, or a password sign-in's bearer
 * token) as its user, so an owner reads their private machines; an owner cookie from the family's
 * own sign-in (below) rides along for machines another user owns.
 */
const avRequest = <T>(path: string, init: { method?: "GET" | "POST"; body?: unknown; signal?: AbortSignal } = {}) =>
  request<T>(path, init);

/** The owner sign-in's own 401 (a wrong password) must not end the console's session. */
const ownerRequest = <T>(path: string, body?: unknown) => request<T>(path, { method: "POST", body, noAuthRetry: true });

export interface Threat {
  transition_id: string;
  zeqond: string;
  claim_type: string;
  device_id: string;
  fingerprint: string;
  s_forensic: number;
  fired: boolean;
}

export interface ThreatsResponse {
  ok: true;
  slug: string;
  window: string;
  count: number;
  truncated?: boolean;
  threats: Threat[];
}

export interface MeshFeedResponse {
  ok: true;
  slug: string;
  subscriptions: { publisher_slug: string; tag: string; fire_count: number; last_fired_zeqond: string | null }[];
}

export const avThreats = (slug: string, window: string, signal?: AbortSignal) =>
  avRequest<ThreatsResponse>(withQuery("/api/av/threats", { slug, window }), { signal });

export const avMeshFeed = (slug: string, signal?: AbortSignal) =>
  avRequest<MeshFeedResponse>(withQuery("/api/av/mesh-feed", { slug }), { signal });

/** The family's owner sign-in: sets the HttpOnly zeq_auth_token cookie that private machines need. */
export const avOwnerLogin = (username: string, password: string) =>
  ownerRequest<{ ok: true; expires_at: string }>("/api/av/auth/login", { username, password });

export const avOwnerLogout = () => ownerRequest<{ ok: true }>("/api/av/auth/logout");

/**
 * Zeqonds are the family's clock: ⌊Unix seconds × 1.287⌋ (functions/av/scoring.ts). Converting
 * back is only for reading; the zeqond itself is always shown as the API gave it.
 */
export const ZEQOND_HZ = 1.287;
export const unixMsOfZeqond = (z: string | number): number => Math.ceil((Number(z) / ZEQOND_HZ) * 1000);
