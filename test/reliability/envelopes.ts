/**
 * Which error envelope a path's family promises (each seed's own), and whether a rejection
 * carries it. Returns a description of the mismatch, or null when the answer is fine.
 */
export function envelopeProblem(template: string, res: Response, text: string): string | null {
  if (res.status < 400) return null;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `non-JSON ${res.status} body: ${text.slice(0, 120)}`;
  }
  const b = body as Record<string, unknown>;
  const err = b.error as Record<string, unknown> | string | undefined;
  const has = (ok: boolean, shape: string) => (ok ? null : `${res.status} not in the ${shape} envelope: ${text.slice(0, 200)}`);
  if (template.startsWith("/admin")) return has(typeof b.title === "string" && typeof b.status === "number", "problem+json");
  // OAuth's own errors in RFC 6749 §5.2's shape; the platform's (413, 415, 429) in the family's.
  if (template === "/v3/oauth/token")
    return has(typeof err === "string" || (typeof err === "object" && typeof err?.code === "string"), "OAuth 2.0 or quantum");
  if (template === "/api/auth") return has(b.authorized === false && typeof err === "string", "{authorized:false,error}");
  if (template.startsWith("/api/av/"))
    return has(b.ok === false && typeof err === "string" && typeof b.message === "string", "agent-claims");
  if (template.startsWith("/api/v1/") || template.startsWith("/auth/"))
    return has(b.success === false && typeof err === "object" && typeof err?.code === "string", "incident-response");
  if (template.startsWith("/v3/")) return has(typeof err === "object" && typeof err?.code === "string", "quantum-defense");
  if (template.startsWith("/api/")) return has(typeof err === "string", "command-console {error}");
  // Operator-facing routes (/healthz, /readyz, /.well-known, /admin): RFC 9457 problem details.
  return has(typeof b.title === "string" && typeof b.status === "number", "problem+json");
}
