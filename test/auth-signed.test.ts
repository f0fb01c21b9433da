import { createRoute, z } from "@hono/zod-openapi";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../functions/app";
import { authenticate, principalOf } from "../functions/platform/auth/authenticate";
import { QUANTUM_AUDIENCE } from "../functions/quantum/oauth-routes";
import { adminHeaders, BASE, createTenant, postJson } from "./helpers";

/** A probe route guarded exactly as quantum-defense critical operations will be. */
const app = buildApp();
app.openapi(
  createRoute({
    method: "post",
    path: "/v3/probe/critical",
    middleware: [authenticate({ signedRequests: true, jwtAudience: QUANTUM_AUDIENCE })] as const,
    request: { body: { required: true, content: { "application/json": { schema: z.object({ action: z.string() }) } } } },
    responses: { 200: { description: "ok" } },
  }),
  (c) => {
    const p = principalOf(c);
    return c.json({ id: p.id, method: p.method, tier: p.tier, action: c.req.valid("json").action }, 200);
  },
);

let client: { client_id: string; client_secret: string };
beforeAll(async () => {
  const tenantId = await createTenant("signed-co");
  client = (await (
    await postJson(`/admin/tenants/${tenantId}/oauth-clients`, { tier: "enterprise", scopes: ["consensus:manage"] }, adminHeaders)
  ).json()) as typeof client;
});

// The seed's client algorithm, written out independently of the server code.
async function sign(secret: string, method: string, path: string, timestamp: string, body?: string) {
  const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
  let base = `${method}\n${path}\n${timestamp}`;
  if (body) base += `\n${hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body)))}`;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  return hex(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(base)));
}

async function signedCall(
  opts: { body?: string; sentBody?: string; secret?: string; clientId?: string; skew?: number; signature?: string } = {},
) {
  const body = opts.body ?? JSON.stringify({ action: "rotate" });
  const timestamp = String(Math.floor(Date.now() / 1000) + (opts.skew ?? 0));
  const signature =
    opts.signature ?? (await sign(opts.secret ?? client.client_secret, "POST", "/v3/probe/critical", timestamp, body));
  const res = await app.request(
    `${BASE}/v3/probe/critical`,
    {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-Client-ID": opts.clientId ?? client.client_id,
        "X-Timestamp": timestamp,
        "X-Signature": signature,
      },
      body: opts.sentBody ?? body,
    },
    env,
  );
  return { res, signature };
}

describe("HMAC-signed requests", () => {
  it("authenticate the signing OAuth client", async () => {
    const { res } = await signedCall();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: client.client_id, method: "hmac_signature", tier: "enterprise", action: "rotate" });
  });

  it("accept each signature once", async () => {
    const body = JSON.stringify({ action: "isolate" });
    const first = await signedCall({ body });
    expect(first.res.status).toBe(200);
    const replay = await signedCall({ body, signature: first.signature });
    expect(replay.res.status).toBe(401);
    expect(((await replay.res.json()) as { error: { message: string } }).error.message).toContain("already been used");
  });

  it("refuse skewed timestamps, tampered bodies, wrong secrets and unknown clients", async () => {
    for (const opts of [
      { skew: -301 },
      { skew: 301 },
      { sentBody: JSON.stringify({ action: "tampered" }) },
      { secret: "qcs_not-the-secret" },
      { clientId: "cli_unknown" },
      { signature: "zz" },
    ]) {
      const { res } = await signedCall(opts);
      expect(res.status, JSON.stringify(opts)).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");
    }
  });

  it("forget nonces once they can no longer pass the window", async () => {
    const guard = env.REPLAY_GUARD.getByName("prune-test");
    expect(await guard.claim("old", Date.now() - 1)).toBe(true);
    expect(await guard.claim("new", Date.now() + 600_000)).toBe(true);
    await runDurableObjectAlarm(guard);
    const left = await runInDurableObject(guard, (_, state) =>
      state.storage.sql.exec<{ nonce: string }>("SELECT nonce FROM seen").toArray(),
    );
    expect(left.map((r) => r.nonce)).toEqual(["new"]);
    expect(await guard.claim("new", Date.now() + 600_000)).toBe(false);
  });
});
