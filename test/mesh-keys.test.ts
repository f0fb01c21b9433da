import { ml_dsa65 } from "@noble/post-quantum/ml-dsa.js";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { decryptText } from "../functions/platform/auth/keys";
import { fromBase64 } from "../functions/platform/crypto";
import { call, createApiKey, createTenant, postJson } from "./helpers";

type Key = {
  id: string;
  fingerprint: string;
  status: string;
  ed25519Public: string;
  mldsa65Public: string;
  retiredAt: string | null;
  graceUntil: string | null;
};

let tenantId: string;
let ops: Record<string, string>;
beforeAll(async () => {
  tenantId = await createTenant("keys-co");
  ops = { "X-API-Key": (await createApiKey(tenantId, { name: "ops", scopes: ["write"] })).key };
  for (const id of ["k1", "k2", "k3"])
    await postJson("/api/mesh/nodes", { id, label: id, systemType: "defense", region: "eu" }, ops);
  expect((await postJson("/api/isolate-node", { nodeId: "k3" }, ops)).status).toBe(200);
});

const keys = async () => ((await (await call("/api/mesh/keys", { headers: ops })).json()) as { keys: Key[] }).keys;

describe("POST /api/rotate-keys", () => {
  it("publishes a hybrid Ed25519 + ML-DSA-65 key whose fingerprint is SHA-256 over both public keys", async () => {
    const res = await postJson("/api/rotate-keys", {}, ops);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { success: boolean; newKeyFingerprint: string; rotatedAt: string; nodesUpdated: number };
    expect(body.success).toBe(true);
    expect(body.nodesUpdated).toBe(2); // k3 is isolated
    const [current] = await keys();
    const ed = fromBase64(current!.ed25519Public);
    const ml = fromBase64(current!.mldsa65Public);
    expect(ed.length).toBe(32);
    expect(ml.length).toBe(1952); // FIPS 204 ML-DSA-65 public key size
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array([...ed, ...ml])));
    expect(body.newKeyFingerprint).toBe([...digest].map((b) => b.toString(16).padStart(2, "0")).join(""));
    expect(current).toMatchObject({ fingerprint: body.newKeyFingerprint, status: "current", retiredAt: null });
  });

  it("stores the private halves encrypted, and they match the published keys", async () => {
    const [current] = await keys();
    const row = await env.DB.prepare("SELECT private_ciphertext FROM mesh_keys WHERE id = ?")
      .bind(current!.id)
      .first<{ private_ciphertext: string }>();
    expect(row!.private_ciphertext).not.toContain("mldsa65Seed");
    const secrets = JSON.parse(await decryptText(env.AUTH_SECRET, row!.private_ciphertext)) as {
      mldsa65Seed: string;
      ed25519Pkcs8: string;
    };
    expect(ml_dsa65.keygen(fromBase64(secrets.mldsa65Seed)).publicKey).toEqual(fromBase64(current!.mldsa65Public));
    const edPrivate = await crypto.subtle.importKey("pkcs8", fromBase64(secrets.ed25519Pkcs8), { name: "Ed25519" }, false, [
      "sign",
    ]);
    const edPublic = await crypto.subtle.importKey("raw", fromBase64(current!.ed25519Public), { name: "Ed25519" }, false, [
      "verify",
    ]);
    const message = new TextEncoder().encode("route update");
    const signature = await crypto.subtle.sign("Ed25519", edPrivate, message);
    expect(await crypto.subtle.verify("Ed25519", edPublic, signature, message)).toBe(true);
  });

  it("keeps the previous key in a 24-hour grace period", async () => {
    const before = await keys();
    expect((await postJson("/api/rotate-keys", {}, ops)).status).toBe(200);
    const after = await keys();
    expect(after).toHaveLength(before.length + 1);
    expect(after[0]?.status).toBe("current");
    const previous = after.find((k) => k.id === before[0]!.id)!;
    expect(previous.status).toBe("grace");
    expect(Date.parse(previous.graceUntil!) - Date.parse(previous.retiredAt!)).toBe(24 * 3_600_000);
  });

  it("needs a write-scoped caller and is audited in the command chain", async () => {
    const reader = { "X-API-Key": (await createApiKey(tenantId, { name: "r", scopes: ["read"] })).key };
    expect((await postJson("/api/rotate-keys", {}, reader)).status).toBe(403);
    const log = (await (await call("/api/audit", { headers: ops })).json()) as { entries: { action: string }[] };
    expect(log.entries.map((e) => e.action).filter((a) => a === "rotate-keys")).toHaveLength(2);
    expect(((await (await call("/api/audit/verify", { headers: ops })).json()) as { valid: boolean }).valid).toBe(true);
  });
});
