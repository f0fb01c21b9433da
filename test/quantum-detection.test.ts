import "../functions/quantum/detection/reflect-shim";
import { ml_dsa65 } from "@noble/post-quantum/ml-dsa.js";
import * as x509 from "@peculiar/x509";
import { env } from "cloudflare:workers";
import sshpk from "sshpk";
import { beforeAll, describe, expect, it } from "vitest";
import { flushApiMetrics } from "../functions/platform/api-metrics";
import { database } from "../functions/platform/db";
import { assessPrimitive, type Primitive } from "../functions/quantum/detection/primitives";
import { resetHealthCache } from "../functions/quantum/detection/system-health";
import { call, createTenant, eventually, postJson, quantumHeaders } from "./helpers";

type Asset = Record<string, unknown> & { verdict: string; algorithm: string; quantum: Record<string, unknown> };
type Analysis = { assets: Asset[]; summary: Record<string, number>; event_id: string | null; warnings: string[] } & Record<
  string,
  unknown
>;
type QuantumError = { error: { code: string; message: string; details: Record<string, unknown> }; request_id: string };

const b64 = (text: string | Uint8Array) => btoa(typeof text === "string" ? text : String.fromCharCode(...text));
const b64url = (text: string) => b64(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
const pem = (der: ArrayBuffer | JsonWebKey | Uint8Array, label: string) =>
  x509.PemConverter.encode(new Uint8Array(der as ArrayBuffer), label);
const RSA = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
const keyPair = async (alg: Parameters<typeof crypto.subtle.generateKey>[0]) =>
  (await crypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;

async function selfSigned(name: string, alg: { name: string } & Record<string, unknown>, keys: CryptoKeyPair, notAfter: string) {
  const signingAlgorithm = alg.name === "ECDSA" ? { name: "ECDSA", hash: "SHA-256" } : alg;
  const opts = {
    serialNumber: "01",
    name,
    notBefore: new Date("2025-01-01"),
    notAfter: new Date(notAfter),
    signingAlgorithm,
    keys,
  };
  return (await x509.X509CertificateGenerator.createSelfSigned(opts)).toString("pem");
}

/** RFC 9881's fixed DER prefix of an ML-DSA-65 SubjectPublicKeyInfo (OID 2.16.840.1.101.3.4.3.18), then the key. */
function mlDsa65Spki(publicKey: Uint8Array): Uint8Array {
  const prefix = [
    0x30, 0x82, 0x07, 0xb2, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x12, 0x03, 0x82, 0x07, 0xa1,
    0x00,
  ];
  return new Uint8Array([...prefix, ...publicKey]);
}

let tenantId: string;
let writer: Record<string, string>;
let reader: Record<string, string>;
let rsaCert: string;
const fixtures: Record<string, string> = {};

const analyze = (data: string, over: Record<string, unknown> = {}, headers = writer) =>
  postJson("/v3/quantum/detection/analyze", { data, ...over }, headers);
async function analyzed(data: string, over: Record<string, unknown> = {}, headers = writer): Promise<Analysis> {
  const res = await analyze(data, over, headers);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Analysis;
}
const quantumEvents = async (t: string) =>
  (
    await env.DB.prepare(
      "SELECT id, severity, details FROM security_events WHERE tenant_id = ? AND type = 'quantum.attack.detected'",
    )
      .bind(t)
      .all<{ id: string; severity: string; details: string }>()
  ).results;
const threat = async (headers: Record<string, string>) =>
  (await (await call("/v3/quantum/threat/level", { headers })).json()) as {
    level: string;
    score: number;
    reasons: { factor: string }[];
  };

beforeAll(async () => {
  tenantId = await createTenant("quantum-detection");
  writer = await quantumHeaders(tenantId, ["quantum:write"]);
  reader = await quantumHeaders(tenantId, ["quantum:read"]);
  rsaCert = await selfSigned("CN=rsa.example", RSA, await keyPair(RSA), "2036-06-30");
  const p256 = { name: "ECDSA", namedCurve: "P-256" };
  fixtures.p256 = await selfSigned("CN=p256.example", p256, await keyPair(p256), "2027-01-01");
  const ed = await keyPair({ name: "Ed25519" });
  fixtures.ed25519 = await selfSigned("CN=ed.example", { name: "Ed25519" }, ed, "2028-01-01");
  fixtures.mldsa = pem(mlDsa65Spki(ml_dsa65.keygen(new Uint8Array(32).fill(7)).publicKey), "PUBLIC KEY");
  const edSpki = pem(await crypto.subtle.exportKey("spki", ed.publicKey), "PUBLIC KEY");
  fixtures.edSpki = edSpki;
  const sshKey = sshpk.parseKey(edSpki, "pem");
  sshKey.comment = "ops@example";
  fixtures.ssh = sshKey.toString("ssh");
  fixtures.jwt = `${b64url('{"alg":"RS256","typ":"JWT","kid":"k1"}')}.${b64url('{"sub":"secret-subject"}')}.c2ln`;
  fixtures.tls =
    "TLS_AES_256_GCM_SHA384, TLS_AES_128_GCM_SHA256 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 X25519MLKEM768 x25519 TLS_RSA_WITH_3DES_EDE_CBC_SHA";
});

describe("the assessment table", () => {
  it.each<[Primitive, number | null, number | null, string, string | null]>([
    [{ family: "rsa", name: "RSA", role: "signature", keyBits: 1024 }, 80, null, "weak_classical", "ML-DSA-65"],
    [{ family: "rsa", name: "RSA", role: "encryption", keyBits: 4096 }, 150, null, "quantum_vulnerable", "ML-KEM-768"],
    [{ family: "ffdh", name: "ffdhe2048", role: "key_exchange", keyBits: 2048 }, 112, null, "quantum_vulnerable", "ML-KEM-768"],
    [{ family: "ec", name: "ECDSA", role: "signature", curve: "secp384r1" }, 192, null, "quantum_vulnerable", "ML-DSA-65"],
    [{ family: "ml_kem", name: "ML-KEM-768", role: "key_exchange" }, 192, null, "quantum_resistant", null],
    [
      { family: "symmetric", name: "AES-128-GCM", role: "symmetric_cipher", keyBits: 128 },
      128,
      64,
      "quantum_weakened",
      "AES-256",
    ],
    [{ family: "symmetric", name: "AES-256-GCM", role: "symmetric_cipher", keyBits: 256 }, 256, 128, "quantum_resistant", null],
    [{ family: "hash", name: "SHA-224", role: "hash", keyBits: 224 }, 112, 112, "quantum_weakened", "SHA-384"],
    [{ family: "hash", name: "SHA-1", role: "hash", keyBits: 160 }, 80, 80, "weak_classical", "SHA-384"],
  ])("%o → %s classical bits, %s after Grover, %s, %s", (p, classical, grover, verdict, replacement) => {
    const a = assessPrimitive(p);
    expect([a.classical_security_bits, a.grover_security_bits, a.verdict, a.replacement]).toEqual([
      classical,
      grover,
      verdict,
      replacement,
    ]);
  });

  it("IR 8547: below 112 bits already disallowed; 112 deprecated after 2030; stronger disallowed after 2035", () => {
    const dates = (keyBits: number) => assessPrimitive({ family: "rsa", name: "RSA", role: "signature", keyBits }).nist_ir_8547;
    expect(dates(1024)).toEqual({ deprecated_after: null, disallowed_after: null, already_disallowed: true });
    expect(dates(2048)).toEqual({ deprecated_after: "2030-12-31", disallowed_after: "2035-12-31", already_disallowed: false });
    expect(dates(3072)).toEqual({ deprecated_after: null, disallowed_after: "2035-12-31", already_disallowed: false });
  });
});

describe("POST /v3/quantum/detection/analyze: verdicts", () => {
  it("RSA-2048 certificate valid to 2036: Shor-broken, 112 bits, IR 8547 deprecated after 2030, long-lived", async () => {
    const [a] = (await analyzed(b64(rsaCert), { sensitivity: "low" })).assets;
    expect(a).toMatchObject({
      kind: "x509_certificate",
      algorithm: "RSA",
      key_bits: 2048,
      subject: "CN=rsa.example",
      classical_security_bits: 112,
      quantum: { shor: "broken", grover_security_bits: null, annealing_relevant: true, harvest_now_decrypt_later: true },
      quantum_vulnerable: true,
      verdict: "quantum_vulnerable",
      nist_ir_8547: { deprecated_after: "2030-12-31", disallowed_after: "2035-12-31", already_disallowed: false },
      replacement: "ML-DSA-65",
    });
    expect(a!.long_lived_secret).toMatch(/2036-06-30/);
  });

  it("P-256 and Ed25519 certificates: broken at 128 bits, disallowed after 2035 only; short validity is not long-lived", async () => {
    const { assets } = await analyzed(b64(fixtures.p256! + fixtures.ed25519!), { algorithms: ["shor"] });
    expect(assets.map((a) => [a.algorithm, a.curve, a.classical_security_bits, a.verdict])).toEqual([
      ["EC", "P-256", 128, "quantum_vulnerable"],
      ["Ed25519", "Ed25519", 128, "quantum_vulnerable"],
    ]);
    expect(assets[0]!.nist_ir_8547).toEqual({
      deprecated_after: null,
      disallowed_after: "2035-12-31",
      already_disallowed: false,
    });
    expect(assets[1]!.quantum).toEqual({ shor: "broken", harvest_now_decrypt_later: false });
    expect(assets.every((a) => a.long_lived_secret === null)).toBe(true);
  });

  it("a chain: the CA's key is a root of trust (SLH-DSA), the leaf a key-establishment key", async () => {
    const caKeys = await keyPair({ name: "ECDSA", namedCurve: "P-384" });
    const leafKeys = await keyPair(RSA);
    const signingAlgorithm = { name: "ECDSA", hash: "SHA-384" };
    const ca = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: "0a",
      name: "CN=Example Root",
      notBefore: new Date("2025-01-01"),
      notAfter: new Date("2045-01-01"),
      keys: caKeys,
      signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, 1, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
      ],
    });
    const leaf = await x509.X509CertificateGenerator.create({
      serialNumber: "0b",
      subject: "CN=tls.example",
      issuer: ca.subject,
      notBefore: new Date("2025-01-01"),
      notAfter: new Date("2026-01-01"),
      signingKey: caKeys.privateKey,
      publicKey: leafKeys.publicKey,
      signingAlgorithm,
      extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyEncipherment, true)],
    });
    const { assets, input } = await analyzed(b64(leaf.toString("pem") + "\n" + ca.toString("pem")));
    expect(input).toMatchObject({ format: "pem" });
    expect(assets.map((a) => [a.subject, a.algorithm, a.replacement, a.quantum.harvest_now_decrypt_later])).toEqual([
      ["CN=tls.example", "RSA", "ML-KEM-768", true],
      ["CN=Example Root", "ECDSA", "SLH-DSA", false],
    ]);
    expect(assets[0]!.details).toMatchObject({ issuer: "CN=Example Root", signature_algorithm: "ECDSA with SHA-384" });
  });

  it("an ML-DSA-65 SPKI is quantum-resistant; the same key as DER reads the same", async () => {
    const { assets } = await analyzed(b64(fixtures.mldsa!));
    expect(assets[0]).toMatchObject({
      kind: "public_key",
      algorithm: "ML-DSA-65",
      classical_security_bits: 192,
      verdict: "quantum_resistant",
    });
    expect(assets[0]).toMatchObject({ quantum: { shor: "not_applicable" }, nist_ir_8547: null, replacement: null });
    const der = x509.PemConverter.decodeFirst(fixtures.mldsa!);
    const again = await analyzed(b64(new Uint8Array(der)));
    expect(again.assets[0]!.fingerprint).toBe(assets[0]!.fingerprint);
  });

  it("an OpenSSH Ed25519 key, a JWT header (payload never read) and a JWKS", async () => {
    const ssh = (await analyzed(b64(fixtures.ssh!))).assets[0]!;
    expect(ssh).toMatchObject({
      kind: "ssh_public_key",
      algorithm: "Ed25519",
      subject: "ops@example",
      verdict: "quantum_vulnerable",
    });
    expect(ssh.long_lived_secret).toMatch(/no expiry/);
    // The same key as an SSH line and as an SPKI is one inventory entry.
    expect((await analyzed(b64(fixtures.edSpki!))).assets[0]!.fingerprint).toBe(ssh.fingerprint);
    const jwt = await analyzed(b64(fixtures.jwt!));
    expect(jwt.assets[0]).toMatchObject({
      kind: "jwt_header",
      algorithm: "RS256",
      verdict: "quantum_vulnerable",
      long_lived_secret: null,
    });
    expect(JSON.stringify(jwt)).not.toContain("secret-subject");
    const jwks = {
      keys: [
        { kty: "RSA", use: "sig", n: b64url("\u00c3".repeat(384)), e: "AQAB" },
        { kty: "oct", k: b64url("k".repeat(32)), alg: "A256GCM" },
      ],
    };
    const j = await analyzed(b64(JSON.stringify(jwks)));
    expect(j.assets.map((a) => [a.kind, a.algorithm, a.key_bits, a.verdict])).toEqual([
      ["jwk", "RSA", 3072, "quantum_vulnerable"],
      ["jwk", "AES-256-GCM", 256, "quantum_resistant"],
    ]);
    expect(j.warnings.join(" ")).toMatch(/only its length was read/);
  });

  it("a TLS list: hybrid X25519MLKEM768 is safe, classical ECDHE is harvestable, AES-128 is Grover-weakened, 3DES weak", async () => {
    const { assets, input } = await analyzed(b64(fixtures.tls!));
    expect(input).toMatchObject({ format: "tls_list" });
    const by = Object.fromEntries(assets.map((a) => [a.algorithm, a]));
    expect(by.X25519MLKEM768).toMatchObject({
      kind: "tls_group",
      verdict: "quantum_resistant",
      quantum: { shor: "mitigated_by_hybrid" },
    });
    expect(by.x25519).toMatchObject({
      verdict: "quantum_vulnerable",
      replacement: "ML-KEM-768",
      quantum: { harvest_now_decrypt_later: true },
    });
    expect(by.TLS_AES_256_GCM_SHA384).toMatchObject({ verdict: "quantum_resistant", quantum: { grover_security_bits: 128 } });
    expect(by.TLS_AES_128_GCM_SHA256).toMatchObject({
      verdict: "quantum_weakened",
      replacement: "AES-256",
      quantum: { grover_security_bits: 64 },
    });
    expect(by.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256).toMatchObject({
      verdict: "quantum_vulnerable",
      quantum: { shor: "broken" },
    });
    expect((by.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256!.components as unknown[]).length).toBe(4);
    expect(by.TLS_RSA_WITH_3DES_EDE_CBC_SHA).toMatchObject({ verdict: "weak_classical" });
  });

  it("a private key: only its public half is read, with a warning, and nothing private is returned", async () => {
    const keys = await keyPair({ name: "ECDSA", namedCurve: "P-256" });
    const pkcs8 = pem(await crypto.subtle.exportKey("pkcs8", keys.privateKey), "PRIVATE KEY");
    const res = await analyzed(b64(pkcs8));
    expect(res.assets[0]).toMatchObject({ kind: "public_key", curve: "P-256", details: { encoding: "pkcs8" } });
    expect(res.warnings[0]).toMatch(/Treat the key as exposed/);
    const spki = new Uint8Array((await crypto.subtle.exportKey("spki", keys.publicKey)) as ArrayBuffer);
    const digest = [...new Uint8Array(await crypto.subtle.digest("SHA-256", spki))]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    expect(res.assets[0]!.fingerprint).toBe(digest);
  });
});

describe("analyze: refusals in the quantum error envelope", () => {
  it("garbage is a 400 that lists every format tried", async () => {
    const res = await analyze(b64("hello, this is not a key at all!"));
    expect(res.status).toBe(400);
    const body = (await res.json()) as QuantumError;
    expect(body.error.code).toBe("INVALID_REQUEST");
    expect((body.error.details.tried as { format: string }[]).map((t) => t.format)).toEqual([
      "pem",
      "der",
      "jwk_or_jwks",
      "jwt",
      "openssh",
      "tls_list",
    ]);
    expect(body.request_id).toBeTruthy();
  });

  it("non-base64 data, more than 100 assets, unknown fields' values, missing scope and no token", async () => {
    expect((await analyze("***")).status).toBe(400);
    const many = await analyze(b64(Array.from({ length: 101 }, (_, i) => `name${i}`).join(" ")));
    expect(many.status).toBe(400);
    expect(((await many.json()) as QuantumError).error.details).toMatchObject({ found: 101, max_assets: 100 });
    expect((await analyze(b64(fixtures.tls!), { algorithms: ["bogus"] })).status).toBe(400);
    const forbidden = await analyze(b64(fixtures.tls!), {}, reader);
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as QuantumError).error).toMatchObject({
      code: "FORBIDDEN",
      details: { required: "quantum:write" },
    });
    expect((await analyze(b64(fixtures.tls!), {}, {})).status).toBe(401);
  });
});

describe("inventory, alerts and threat level", () => {
  it("an asset seen again is one inventory row with times_seen incremented", async () => {
    const first = await analyzed(b64(fixtures.mldsa!));
    const second = await analyzed(b64(fixtures.mldsa!));
    expect((second.assets[0]!.inventory as { times_seen: number }).times_seen).toBe(
      (first.assets[0]!.inventory as { times_seen: number }).times_seen + 1,
    );
    const row = await env.DB.prepare("SELECT times_seen, verdict FROM crypto_assets WHERE tenant_id = ? AND fingerprint = ?")
      .bind(tenantId, first.assets[0]!.fingerprint)
      .first<{ times_seen: number; verdict: string }>();
    expect(row).toMatchObject({ verdict: "quantum_resistant" });
  });

  it("one alert per analysis at the severity sensitivity maps to; a retried request does not alert twice", async () => {
    const t = await createTenant("quantum-alerts");
    const w = await quantumHeaders(t, ["quantum:write"]);
    const retried = { ...w, "X-Request-Id": "req-retry-1" };
    const once = await analyzed(b64(`${rsaCert}\n${fixtures.edSpki}`), { sensitivity: "high" }, retried);
    const again = await analyzed(b64(`${rsaCert}\n${fixtures.edSpki}`), { sensitivity: "high" }, retried);
    expect(once).toMatchObject({
      quantum_attack_detected: true,
      alert_severity: "critical",
      summary: { long_lived_vulnerable: 2 },
    });
    expect(again.event_id).toBe(once.event_id);
    let events = await quantumEvents(t);
    expect(events.map((e) => [e.id, e.severity])).toEqual([[once.event_id, "critical"]]);
    expect(JSON.parse(events[0]!.details)).toMatchObject({ exposed_total: 2, analysis_id: once.analysis_id });
    await analyzed(b64(rsaCert), { sensitivity: "low" }, w);
    events = await quantumEvents(t);
    expect(events.map((e) => e.severity).sort()).toEqual(["critical", "medium"]);
    const quiet = await analyzed(b64(fixtures.tls!), { algorithms: ["grover", "annealing"] }, w);
    expect(quiet).toMatchObject({ quantum_attack_detected: false, event_id: null });
    expect(await quantumEvents(t)).toHaveLength(2);
  });

  it("threat level follows the inventory and stays per tenant", async () => {
    const t = await createTenant("quantum-threat");
    const w = await quantumHeaders(t, ["quantum:write"]);
    const before = await threat(w);
    expect(before).toMatchObject({ level: "low", score: 0 });
    expect(before.reasons[0]!.factor).toBe("no_inventory");
    await analyzed(b64(`${rsaCert}\n${fixtures.ed25519}`), { sensitivity: "high" }, w);
    await analyzed(b64("x25519 secp256r1 ffdhe2048"), {}, w);
    const after = await threat(w);
    expect(after.score).toBeGreaterThanOrEqual(50);
    expect(["high", "critical"]).toContain(after.level);
    expect(after.reasons.map((r) => r.factor)).toEqual(
      expect.arrayContaining(["vulnerable_share", "harvest_now_decrypt_later", "exposure_alerts"]),
    );
    const other = await createTenant("quantum-threat-other");
    expect(await threat(await quantumHeaders(other, ["quantum:read"]))).toMatchObject({ level: "low", score: 0 });
  });
});

describe("GET /v3/quantum/events/stream", () => {
  it("delivers the tenant's quantum events and nothing else", async () => {
    const t = await createTenant("quantum-stream");
    const w = await quantumHeaders(t, ["quantum:write"]);
    const res = await call("/v3/quantum/events/stream", { headers: { ...w, Upgrade: "websocket" } });
    expect(res.status).toBe(101);
    const ws = res.webSocket!;
    const received: { type: string; severity: string; event: { severity: string } }[] = [];
    ws.accept();
    ws.addEventListener("message", (m) => {
      received.push(JSON.parse(String(m.data)));
    });
    const { emitEvent } = await import("../functions/platform/events/emit");
    const { createLogger } = await import("../functions/platform/log");
    await emitEvent(
      env,
      { tenantId: t, source: "command", type: "command.threat.detected", severity: "high", description: "not quantum" },
      createLogger("error"),
    );
    await analyzed(b64(rsaCert), { sensitivity: "medium" }, w);
    await eventually(() => received.length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(received.map((m) => [m.type, m.event.severity])).toEqual([["quantum.attack.detected", "high"]]);
    // The seed's stream client reads `type` and `severity` at the top level.
    expect(received[0]!.severity).toBe("high");
    ws.close(1000);
  });

  it("serves the same filter as server-sent events", async () => {
    const t = await createTenant("quantum-sse");
    const w = await quantumHeaders(t, ["quantum:write"]);
    const res = await call("/v3/quantum/events/stream?severity=critical", { headers: { ...w, Accept: "text/event-stream" } });
    expect(res.status).toBe(200);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    await analyzed(b64(rsaCert), { sensitivity: "medium" }, w);
    await analyzed(b64(rsaCert), { sensitivity: "high" }, w);
    while (!text.includes("quantum.attack.detected")) text += (await reader.read()).value ?? "";
    await reader.cancel();
    expect(text).toMatch(/^event: event$/m);
    expect(text).toContain('"severity":"critical"');
    expect(text).not.toContain('"severity":"high"');
  });

  it("refuses plain requests, unknown types and anonymous upgrades", async () => {
    expect((await call("/v3/quantum/events/stream", { headers: reader })).status).toBe(400);
    expect(
      (await call("/v3/quantum/events/stream?type=command.executed", { headers: { ...reader, Upgrade: "websocket" } })).status,
    ).toBe(400);
    expect((await call("/v3/quantum/events/stream", { headers: { Upgrade: "websocket" } })).status).toBe(401);
  });
});

describe("section 10: /v3/health and /v3/metrics/api", () => {
  it("health is public, shaped as the seed, and counts service-wide only", async () => {
    const now = Date.now();
    await database(env.DB).run(
      // A canary row as the canary routes would write it; only status and expiry matter here.
      (await import("drizzle-orm"))
        .sql`INSERT INTO canary_tokens (id, tenant_id, zone, num_qubits, entanglement_pairs, metadata, simulation,
        monitor_hash, decoy_hash, secrets_ciphertext, created_at, expires_at)
        VALUES (${`cnr_${now}`}, ${tenantId}, 'edge', 8, 4, '{}', '{}', ${`m${now}`}, ${`d${now}`}, 'x', ${now}, ${now + 3_600_000})`,
    );
    // Agents as the cluster mirrors them: one online, one OFFLINE (not counted).
    for (const status of ["ACTIVE", "OFFLINE"])
      await database(env.DB).run(
        (await import("drizzle-orm"))
          .sql`INSERT INTO consensus_agents (id, tenant_id, name, public_key, endpoint, capabilities, metadata, status)
          VALUES (${`agt_${status}${now}`}, ${tenantId}, ${`health-${status}`}, ${`key-${status}${now}`}, 'https://agents.test', '[]', '{}', ${status})`,
      );
    resetHealthCache();
    const res = await call("/v3/health");
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, any>;
    expect(Object.keys(body)).toEqual(["status", "timestamp", "components", "uptime_seconds", "version"]);
    expect(body.status).toBe("healthy");
    expect(body.components.quantum_detection).toMatchObject({ status: "healthy", active_canaries: expect.any(Number) });
    expect(body.components.quantum_detection.active_canaries).toBeGreaterThanOrEqual(1);
    expect(body.components.byzantine_consensus).toEqual({
      status: "healthy",
      agents: expect.any(Number),
      byzantine_tolerance: 0.33,
    });
    expect(body.components.byzantine_consensus.agents).toBeGreaterThanOrEqual(1);
    expect(body.components.temporal_fragmentation).toMatchObject({
      active_fragments: expect.any(Number),
      expiration_rate: expect.any(Number),
    });
    expect(body.components.api_gateway).toMatchObject({
      status: expect.any(String),
      requests_per_second: expect.any(Number),
      error_rate: expect.any(Number),
    });
    expect(JSON.stringify(body)).not.toContain(tenantId);
  });

  it("API metrics need a quantum token and count the tenant's requests", async () => {
    expect((await call("/v3/metrics/api")).status).toBe(401);
    await flushApiMetrics(database(env.DB));
    const res = await call("/v3/metrics/api?period=24h", { headers: reader });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, number | string>;
    expect(body).toMatchObject({ period: "24h", error_rate: expect.any(Number), avg_latency_ms: expect.any(Number) });
    expect(body.requests_total).toBeGreaterThan(10);
    expect((await call("/v3/metrics/api?period=2h", { headers: reader })).status).toBe(400);
  });
});
