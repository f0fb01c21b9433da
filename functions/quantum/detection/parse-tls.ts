import { checkCount, FormatError, type Material } from "./material";
import type { Primitive } from "./primitives";
import type { ParseResult } from "./parse-x509";

/**
 * A TLS configuration as text: IANA cipher-suite names (TLS 1.3 `TLS_AES_256_GCM_SHA384`, TLS 1.2
 * `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`) and supported-group names (`x25519`, `secp256r1`,
 * `X25519MLKEM768`, …), separated by spaces, commas, colons or semicolons. A suite is split into
 * its key exchange, authentication, cipher and MAC/PRF hash; its verdict is its worst part's.
 */

const kx = (family: Primitive["family"], name: string, extra: Partial<Primitive> = {}): Primitive => ({
  family,
  name,
  role: "key_exchange",
  ...extra,
});

/** Supported groups (IANA TLS Supported Groups registry), by lowercase name. */
const GROUPS: Record<string, Primitive> = {
  x25519: kx("ecdh_montgomery", "x25519", { curve: "X25519" }),
  x448: kx("ecdh_montgomery", "x448", { curve: "X448" }),
  secp256r1: kx("ec", "secp256r1", { curve: "P-256" }),
  prime256v1: kx("ec", "secp256r1", { curve: "P-256" }),
  "p-256": kx("ec", "secp256r1", { curve: "P-256" }),
  secp384r1: kx("ec", "secp384r1", { curve: "P-384" }),
  "p-384": kx("ec", "secp384r1", { curve: "P-384" }),
  secp521r1: kx("ec", "secp521r1", { curve: "P-521" }),
  "p-521": kx("ec", "secp521r1", { curve: "P-521" }),
  brainpoolp256r1tls13: kx("ec", "brainpoolP256r1tls13", { curve: "brainpoolP256r1" }),
  brainpoolp384r1tls13: kx("ec", "brainpoolP384r1tls13", { curve: "brainpoolP384r1" }),
  brainpoolp512r1tls13: kx("ec", "brainpoolP512r1tls13", { curve: "brainpoolP512r1" }),
  ffdhe2048: kx("ffdh", "ffdhe2048", { keyBits: 2048 }),
  ffdhe3072: kx("ffdh", "ffdhe3072", { keyBits: 3072 }),
  ffdhe4096: kx("ffdh", "ffdhe4096", { keyBits: 4096 }),
  ffdhe6144: kx("ffdh", "ffdhe6144", { keyBits: 6144 }),
  ffdhe8192: kx("ffdh", "ffdhe8192", { keyBits: 8192 }),
  x25519mlkem768: kx("hybrid_kem", "X25519MLKEM768"),
  secp256r1mlkem768: kx("hybrid_kem", "SecP256r1MLKEM768"),
  secp384r1mlkem1024: kx("hybrid_kem", "SecP384r1MLKEM1024"),
  x25519kyber768draft00: kx("hybrid_kem", "X25519Kyber768Draft00"),
  mlkem512: kx("ml_kem", "ML-KEM-512"),
  mlkem768: kx("ml_kem", "ML-KEM-768"),
  mlkem1024: kx("ml_kem", "ML-KEM-1024"),
};

/** TLS 1.2 key exchange and authentication, `<KX>_WITH_`: what each part runs on. */
function keyExchange(part: string): Primitive[] | null {
  const auth = (name: string): Primitive | null =>
    name === "RSA"
      ? { family: "rsa", name: "RSA", role: "signature" }
      : name === "ECDSA"
        ? { family: "ec", name: "ECDSA", role: "signature" }
        : name === "DSS"
          ? { family: "dsa", name: "DSA", role: "signature" }
          : name === "anon"
            ? { family: "none", name: "anonymous (no authentication)", role: "signature" }
            : null;
  if (/EXPORT/.test(part)) return [{ family: "none", name: `EXPORT key exchange (${part})`, role: "key_exchange" }];
  if (part === "RSA") return [{ family: "rsa", name: "RSA key transport", role: "encryption" }];
  if (part === "PSK" || part === "RSA_PSK")
    return part === "PSK" ? [] : [{ family: "rsa", name: "RSA key transport", role: "encryption" }];
  const m = /^(ECDHE|ECDH|DHE|DH)_(RSA|ECDSA|DSS|anon|PSK)$/.exec(part);
  if (!m) return null;
  const exchange: Primitive = m[1]!.startsWith("EC") ? kx("ec", m[1]!) : kx("ffdh", m[1]!);
  const signer = auth(m[2]!);
  return signer ? [exchange, signer] : [exchange];
}

const HASHES: Record<string, Primitive> = {
  SHA256: { family: "hash", name: "SHA-256", role: "hash", keyBits: 256 },
  SHA384: { family: "hash", name: "SHA-384", role: "hash", keyBits: 384 },
};
const MACS: Record<string, Primitive> = {
  SHA: { family: "mac", name: "HMAC-SHA1", role: "mac", keyBits: 160 },
  SHA256: { family: "mac", name: "HMAC-SHA256", role: "mac", keyBits: 256 },
  SHA384: { family: "mac", name: "HMAC-SHA384", role: "mac", keyBits: 384 },
  MD5: { family: "mac", name: "HMAC-MD5", role: "mac", keyBits: 128 },
};
const LEGACY_CIPHERS: Record<string, number> = { "3DES_EDE_CBC": 112, DES_CBC: 56, DES40_CBC: 40, RC4_128: 128, RC4_40: 40 };

/** The record cipher and its MAC (CBC/stream suites) or PRF hash (AEAD suites). */
function cipherAndMac(part: string): Primitive[] | null {
  const cipher = (name: string, keyBits: number): Primitive => ({ family: "symmetric", name, role: "symmetric_cipher", keyBits });
  let m = /^(AES|CAMELLIA|ARIA|SM4)_(128|256)_(GCM|CCM_8|CCM|CBC)(?:_(SHA|SHA256|SHA384|MD5))?$/.exec(part);
  if (m) {
    const [, family, bits, mode, digest] = m;
    const body = cipher(`${family}-${bits}-${mode!.replace("_", "-")}`, +bits!);
    if (!digest) return [body];
    return [body, mode === "CBC" ? MACS[digest]! : (HASHES[digest] ?? MACS[digest]!)];
  }
  if ((m = /^CHACHA20_POLY1305_(SHA256)$/.exec(part))) return [cipher("CHACHA20-POLY1305", 256), HASHES.SHA256!];
  if ((m = /^(3DES_EDE_CBC|DES_CBC|DES40_CBC|RC4_128|RC4_40|NULL)_(SHA|SHA256|SHA384|MD5)$/.exec(part))) {
    const body: Primitive =
      m[1] === "NULL"
        ? { family: "none", name: "NULL (no encryption)", role: "symmetric_cipher" }
        : cipher(m[1]!.replace("3DES_EDE_CBC", "3DES-EDE-CBC").replace("_", "-"), LEGACY_CIPHERS[m[1]!]!);
    return [body, MACS[m[2]!]!];
  }
  return null;
}

function suitePrimitives(name: string): Primitive[] | null {
  const upper = name.toUpperCase();
  const tls13 = /^TLS_((?:AES_128|AES_256)_(?:GCM|CCM_8|CCM)|CHACHA20_POLY1305)_(SHA256|SHA384)$/.exec(upper);
  if (tls13) return cipherAndMac(`${tls13[1]!}_${tls13[2]!}`);
  const tls12 = /^(?:TLS|SSL)_(.+?)_WITH_(.+)$/.exec(upper.replace("_ANON_", "_anon_").replace(/_ANON$/, "_anon"));
  if (!tls12) return null;
  const exchange = keyExchange(tls12[1]!);
  const record = cipherAndMac(tls12[2]!.toUpperCase());
  return exchange && record ? [...exchange, ...record] : null;
}

function tokenMaterial(token: string): Material | null {
  const group = GROUPS[token.toLowerCase()];
  if (group)
    return {
      kind: "tls_group",
      algorithm: group.name,
      primitives: [group],
      fingerprintInput: `tls-group:${group.name}`,
      lifetime: "configuration",
      details: { listed_as: token },
    };
  const parts = suitePrimitives(token);
  if (!parts) return null;
  const tls13 = !/_WITH_/i.test(token);
  return {
    kind: "tls_cipher_suite",
    algorithm: token.toUpperCase(),
    primitives: parts,
    fingerprintInput: `tls-suite:${token.toUpperCase()}`,
    lifetime: "configuration",
    details: {
      tls_version: tls13 ? "1.3" : "1.2",
      ...(tls13 && { note: "TLS 1.3 suites leave key exchange to the supported groups; list them to assess it" }),
    },
  };
}

const TOKEN = /^[A-Za-z0-9_.-]{2,80}$/;

export function parseTls(text: string): ParseResult {
  const tokens = [...new Set(text.split(/[\s,:;]+/).filter(Boolean))];
  if (!tokens.length || !tokens.every((t) => TOKEN.test(t))) throw new FormatError("not a list of TLS names");
  checkCount(tokens.length);
  const materials: Material[] = [];
  const unrecognised: string[] = [];
  for (const token of tokens) {
    const material = tokenMaterial(token);
    if (material) materials.push(material);
    else unrecognised.push(token);
  }
  if (!materials.length) throw new FormatError(`none of the ${tokens.length} names is a known TLS cipher suite or group`);
  const warnings = unrecognised.length ? [`Not recognised as TLS names, skipped: ${unrecognised.slice(0, 20).join(", ")}`] : [];
  return { format: "tls_list", materials, warnings };
}
