import { useEffect, useState } from "preact/hooks";
import { api, ApiFailure, request, setAuthHooks } from "./api";

export type Role = "viewer" | "analyst" | "responder" | "admin";
const RANK: Record<Role, number> = { viewer: 0, analyst: 1, responder: 2, admin: 3 };

/** `/auth/me`, which answers for the console's cookie and for a user's access token alike. */
export interface Me {
  kind: string;
  id: string;
  tenant_id: string;
  method: string;
  role: Role | null;
  scopes: string[];
}

export interface Session {
  /** "code": the HttpOnly qecnet_session cookie; "password": an access token held in memory. */
  method: "code" | "password";
  me: Me;
  username: string | null;
}

export type SessionState =
  { status: "loading" } | { status: "signed-out"; notice: string | null } | { status: "signed-in"; session: Session };

// The access token lives in memory only; the refresh token in this tab's sessionStorage, so a
// reload keeps a password sign-in and closing the tab ends it. The cookie is never readable here.
const REFRESH_KEY = "vigil.refresh";
const USER_KEY = "vigil.username";
let accessToken: string | null = null;
let state: SessionState = { status: "loading" };
const listeners = new Set<(s: SessionState) => void>();

function set(next: SessionState) {
  state = next;
  listeners.forEach((l) => l(next));
}

export function useSession(): SessionState {
  const [s, setS] = useState(state);
  useEffect(() => {
    listeners.add(setS);
    setS(state);
    return () => void listeners.delete(setS);
  }, []);
  return s;
}

export const currentSession = (): Session | null => (state.status === "signed-in" ? state.session : null);

export function hasRole(session: Session | null, minimum: Role): boolean {
  return !!session?.me.role && RANK[session.me.role] >= RANK[minimum];
}

interface TokenPair {
  access_token: string;
  refresh_token: string;
}

async function doRefresh(): Promise<boolean> {
  const token = sessionStorage.getItem(REFRESH_KEY);
  if (!token) return false;
  try {
    const body = { refresh_token: token };
    const pair = await request<TokenPair>("/auth/refresh", { method: "POST", body, noAuthRetry: true });
    accessToken = pair.access_token;
    sessionStorage.setItem(REFRESH_KEY, pair.refresh_token);
    return true;
  } catch {
    sessionStorage.removeItem(REFRESH_KEY);
    return false;
  }
}

// Refresh tokens rotate on every use and a reused one revokes the sign-in, so concurrent 401s
// share one refresh instead of racing.
let refreshing: Promise<boolean> | null = null;
const refresh = () => (refreshing ??= doRefresh().finally(() => (refreshing = null)));

setAuthHooks({
  token: () => accessToken,
  async unauthorized() {
    const s = currentSession();
    if (s?.method === "password" && (await refresh())) return true;
    if (s) expire();
    return false;
  },
});

function forget() {
  accessToken = null;
  sessionStorage.removeItem(REFRESH_KEY);
  sessionStorage.removeItem(USER_KEY);
}

/** The server refused the session (expired, revoked, signed out elsewhere). */
export function expire(notice = "Your session has expired or was ended. Sign in again to continue.") {
  forget();
  set({ status: "signed-out", notice });
}

async function whoAmI(method: Session["method"], username: string | null) {
  const me = await api.get<Me>("/auth/me");
  set({ status: "signed-in", session: { method, me, username } });
}

/**
 * On load: a live cookie, or a refresh token from this tab, or the sign-in page. `/auth/me` answers
 * for the cookie too, and unlike `GET /api/auth` it is not held to the seed's 5-a-minute sign-in limit.
 */
export async function restoreSession(): Promise<void> {
  try {
    const me = await request<Me>("/auth/me", { noAuthRetry: true });
    if (me.method === "session_cookie") return set({ status: "signed-in", session: { method: "code", me, username: null } });
  } catch {
    // No cookie, or an ended one: treated as signed out below.
  }
  if (sessionStorage.getItem(REFRESH_KEY) && (await refresh()))
    return whoAmI("password", sessionStorage.getItem(USER_KEY)).catch(() => expire());
  set({ status: "signed-out", notice: null });
}

export async function signInWithCode(code: string): Promise<void> {
  await api.post("/api/auth", { code });
  await whoAmI("code", null);
}

export async function signInWithPassword(username: string, password: string): Promise<void> {
  const pair = await api.post<TokenPair>("/auth/login", { username, password });
  accessToken = pair.access_token;
  sessionStorage.setItem(REFRESH_KEY, pair.refresh_token);
  sessionStorage.setItem(USER_KEY, username);
  await whoAmI("password", username);
}

export async function signOut(): Promise<void> {
  const s = currentSession();
  try {
    if (s?.method === "code") await api.delete("/api/auth");
    else if (s?.method === "password") await api.post("/auth/logout");
  } catch (err) {
    if (!(err instanceof ApiFailure)) throw err;
  } finally {
    forget();
    set({ status: "signed-out", notice: "You have signed out." });
  }
}

/**
 * Cookie sessions end after 24 hours without renewal; checking once a minute turns that into a
 * clear message instead of a panel that silently stops updating.
 */
export function watchSessionExpiry(): () => void {
  const timer = setInterval(() => {
    // A 401 reaches the api layer's hook, which ends the session with a message; a network blip
    // is not an expiry, so other failures are ignored until the next check or request.
    if (currentSession()?.method === "code") api.get("/auth/me").catch(() => undefined);
  }, 60_000);
  return () => clearInterval(timer);
}
