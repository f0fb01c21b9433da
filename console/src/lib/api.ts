/**
 * The console's one way to the API. It speaks every family's envelope: incident-response
 * successes are unwrapped from `{ success, data }`, and any family's error body becomes an
 * `ApiFailure` carrying the status, the family's code and its message, shown as the API gave it.
 */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string | null,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  body?: unknown;
  query?: Query;
  signal?: AbortSignal;
  /** Don't hand a 401 to the session (the refresh call itself: its 401 means the sign-in ended). */
  noAuthRetry?: boolean;
}

/** Supplied by the session: the bearer token (password sign-ins) and what to do on a 401. */
export interface AuthHooks {
  token(): string | null;
  /** Returns true when the caller should retry once (a refreshed token). */
  unauthorized(): Promise<boolean>;
}

let hooks: AuthHooks = { token: () => null, unauthorized: async () => false };

export function setAuthHooks(next: AuthHooks): void {
  hooks = next;
}

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** The message of any family's error envelope (command, agent claims, quantum, incidents, admin). */
export function messageOf(body: unknown): { code: string | null; message: string | null } {
  if (!body || typeof body !== "object") return { code: null, message: typeof body === "string" && body ? body : null };
  const b = body as Record<string, unknown>;
  const err = b.error;
  if (err && typeof err === "object") {
    const e = err as Record<string, unknown>;
    return { code: typeof e.code === "string" ? e.code : null, message: typeof e.message === "string" ? e.message : null };
  }
  if (typeof err === "string")
    return typeof b.message === "string" ? { code: err, message: b.message } : { code: null, message: err };
  if (typeof b.detail === "string" || typeof b.title === "string")
    return { code: typeof b.type === "string" ? b.type : null, message: String(b.detail ?? b.title) };
  return { code: null, message: null };
}

async function parse(res: Response): Promise<unknown> {
  const type = res.headers.get("Content-Type") ?? "";
  if (type.includes("json")) return res.json().catch(() => null);
  const text = await res.text();
  return text || null;
}

export function authHeaders(): Record<string, string> {
  const token = hooks.token();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function send(path: string, opts: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json", ...authHeaders() };
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  return fetch(withQuery(path, opts.query), {
    method: opts.method ?? "GET",
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    credentials: "same-origin",
    signal: opts.signal,
  });
}

export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  let res = await send(path, opts);
  if (res.status === 401 && !opts.noAuthRetry && (await hooks.unauthorized())) res = await send(path, opts);
  const body = await parse(res);
  if (!res.ok) {
    const { code, message } = messageOf(body);
    throw new ApiFailure(res.status, code, message ?? `${res.status} ${res.statusText}`, body);
  }
  if (body && typeof body === "object" && (body as { success?: unknown }).success === true && "data" in body)
    return (body as { data: T }).data;
  return body as T;
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>(path, { query, signal }),
  post: <T>(path: string, body: unknown = {}) => request<T>(path, { method: "POST", body }),
  put: <T>(path: string, body: unknown) => request<T>(path, { method: "PUT", body }),
  patch: <T>(path: string, body: unknown) => request<T>(path, { method: "PATCH", body }),
  delete: <T>(path: string) => request<T>(path, { method: "DELETE" }),
};
