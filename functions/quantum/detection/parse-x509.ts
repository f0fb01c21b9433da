import type { PublicKey, X509Certificate, X509Certificates } from "@peculiar/x509";
import type sshpk from "sshpk";
import type { ParsingLibs, X509Lib } from "./libs";
import { checkCount, FormatError, TooManyAssets, type Material } from "./material";
import type { Family, Primitive, Role } from "./primitives";

/**
 * X.509 material: certificates and chains (PEM, DER, PKCS#7), SubjectPublicKeyInfo keys, and
 * PKCS#1 / PKCS#8 / OpenSSH private-key files, of which only the public half is read (sshpk
 * derives it; nothing private leaves this module). Parsing is @peculiar/x509's and sshpk's.
 */

export interface ParseResult {
  format: string;
  materials: Material[];
  warnings: string[];
}

/** Algorithm identifiers @peculiar/x509 reports by OID because WebCrypto has no name for them. */
const OID_ALGORITHMS: Record<string, { family: Family; name: string; role?: Role }> = {
  "2.16.840.1.101.3.4.4.1": { family: "ml_kem", name: "ML-KEM-512", role: "key_exchange" },
  "2.16.840.1.101.3.4.4.2": { family: "ml_kem", name: "ML-KEM-768", role: "key_exchange" },
  "2.16.840.1.101.3.4.4.3": { family: "ml_kem", name: "ML-KEM-1024", role: "key_exchange" },
  "2.16.840.1.101.3.4.3.17": { family: "ml_dsa", name: "ML-DSA-44", role: "signature" },
  "2.16.840.1.101.3.4.3.18": { family: "ml_dsa", name: "ML-DSA-65", role: "signature" },
  "2.16.840.1.101.3.4.3.19": { family: "ml_dsa", name: "ML-DSA-87", role: "signature" },
  "1.2.840.10040.4.1": { family: "dsa", name: "DSA", role: "signature" },
  "1.2.840.113549.1.3.1": { family: "ffdh", name: "DH", role: "key_exchange" },
  "1.2.840.10046.2.1": { family: "ffdh", name: "DH", role: "key_exchange" },
};

const EC_NAMES: Partial<Record<Role, string>> = { signature: "ECDSA", ca_signature: "ECDSA", key_exchange: "ECDH" };

/** The primitive a SubjectPublicKeyInfo carries, from the algorithm @peculiar/x509 decoded. */
export function keyPrimitive(key: PublicKey, role: Role): Primitive {
  const alg = key.algorithm as { name: string; namedCurve?: string; modulusLength?: number };
  const name = alg.name;
  if (/^(RSASSA-PKCS1-v1_5|RSA-PSS|RSA-OAEP)$/.test(name))
    return { family: "rsa", name: "RSA", role, keyBits: alg.modulusLength ?? null };
  if (name === "ECDSA" || name === "ECDH") {
    const curve = alg.namedCurve && !/^[\d.]+$/.test(alg.namedCurve) ? alg.namedCurve : null;
    return { family: "ec", name: EC_NAMES[role] ?? "EC", role, curve };
  }
  if (name === "Ed25519" || name === "EdDSA") {
    const curve = alg.namedCurve ?? "Ed25519";
    return { family: "eddsa", name: curve, role: role === "ca_signature" ? role : "signature", curve };
  }
  if (name === "X25519" || name === "ECDH-ES") {
    const curve = alg.namedCurve ?? "X25519";
    return { family: "ecdh_montgomery", name: curve, role: "key_exchange", curve };
  }
  if (name.startsWith("ML-DSA-")) return { family: "ml_dsa", name, role: role === "ca_signature" ? role : "signature" };
  if (name.startsWith("SLH-DSA-")) return { family: "slh_dsa", name, role: role === "ca_signature" ? role : "signature" };
  const known = OID_ALGORITHMS[name];
  if (known) return { family: known.family, name: known.name, role: known.role ?? role };
  return { family: "unknown", name, role };
}

/** What the certificate says its key is for: KeyUsage first, then BasicConstraints. */
function certificateRole(x: X509Lib, cert: X509Certificate): Role {
  const { KeyUsageFlags } = x;
  const usage = cert.getExtension(x.KeyUsagesExtension)?.usages;
  const ca = cert.getExtension(x.BasicConstraintsExtension)?.ca === true;
  if (usage === undefined) return ca ? "ca_signature" : "any_public_key";
  if (usage & KeyUsageFlags.keyCertSign) return "ca_signature";
  const signs = (usage & (KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation)) !== 0;
  const establishes = (usage & (KeyUsageFlags.keyEncipherment | KeyUsageFlags.keyAgreement)) !== 0;
  if (signs && establishes) return "any_public_key";
  if (establishes) return usage & KeyUsageFlags.keyAgreement ? "key_exchange" : "encryption";
  return "signature";
}

type SignatureAlgorithm = { name: string; hash?: string | { name: string } };
const hashName = (alg: SignatureAlgorithm) => (typeof alg.hash === "string" ? alg.hash : (alg.hash?.name ?? null));

export function certificateMaterial(x: X509Lib, cert: X509Certificate): Material {
  const primitive = keyPrimitive(cert.publicKey, certificateRole(x, cert));
  const signature = cert.signatureAlgorithm as SignatureAlgorithm;
  return {
    kind: "x509_certificate",
    algorithm: primitive.name,
    primitives: [primitive],
    fingerprintInput: new Uint8Array(cert.rawData),
    lifetime: "bounded",
    subject: cert.subject,
    notAfter: cert.notAfter.getTime(),
    details: {
      issuer: cert.issuer,
      serial_number: cert.serialNumber,
      not_before: cert.notBefore.toISOString(),
      self_signed: cert.subject === cert.issuer,
      signature_algorithm: [signature.name, hashName(signature)].filter(Boolean).join(" with "),
    },
  };
}

export function spkiMaterial(key: PublicKey, details: Record<string, unknown>): Material {
  const primitive = keyPrimitive(key, "any_public_key");
  return {
    kind: "public_key",
    algorithm: primitive.name,
    primitives: [primitive],
    fingerprintInput: new Uint8Array(key.rawData),
    lifetime: "unbounded",
    details,
  };
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
const CERTIFICATE_LABELS = new Set(["CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"]);
const SSHPK_LABELS = new Set([
  "RSA PUBLIC KEY",
  "RSA PRIVATE KEY",
  "EC PRIVATE KEY",
  "DSA PRIVATE KEY",
  "PRIVATE KEY",
  "OPENSSH PRIVATE KEY",
]);
const PRIVATE_WARNING =
  "Private key material was submitted: only its public half was read and nothing private was kept. Treat the key as exposed.";

/** sshpk writes "pkcs8" public keys as PEM; the DER inside is the SubjectPublicKeyInfo. */
export const sshpkSpki = (x: X509Lib, key: sshpk.Key) => new Uint8Array(x.PemConverter.decodeFirst(key.toString("pkcs8")));

/** A private or PKCS#1 key file, reduced by sshpk to its SubjectPublicKeyInfo. */
function viaSshpk({ x509: x, sshpk }: ParsingLibs, pem: string, label: string): PublicKey {
  const format = label === "OPENSSH PRIVATE KEY" ? "openssh" : "pem";
  return new x.PublicKey(sshpkSpki(x, sshpk.parseKey(pem, format)));
}

function pemBlock(libs: ParsingLibs, pem: string, label: string, warnings: string[]): Material[] {
  const x = libs.x509;
  if (CERTIFICATE_LABELS.has(label)) return [certificateMaterial(x, new x.X509Certificate(pem))];
  if (label === "PKCS7") return certificates(x, new x.X509Certificates(pem));
  if (label === "PUBLIC KEY") return [spkiMaterial(new x.PublicKey(pem), { encoding: "spki" })];
  if (label === "ENCRYPTED PRIVATE KEY") throw new FormatError("encrypted private keys cannot be read; send the public key");
  if (!SSHPK_LABELS.has(label)) throw new FormatError(`unsupported PEM block '${label}'`);
  if (label.includes("PRIVATE")) warnings.push(PRIVATE_WARNING);
  const encoding = label === "RSA PUBLIC KEY" ? "pkcs1" : label === "PRIVATE KEY" ? "pkcs8" : label.toLowerCase();
  return [spkiMaterial(viaSshpk(libs, pem, label), { encoding })];
}

export function parsePem(libs: ParsingLibs, text: string): ParseResult {
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (!blocks.length) throw new FormatError("no complete -----BEGIN/END----- block");
  checkCount(blocks.length);
  const warnings: string[] = [];
  const materials = blocks.flatMap(([pem, label]) => {
    try {
      return pemBlock(libs, pem, label!, warnings);
    } catch (err) {
      if (err instanceof FormatError) throw err;
      throw new FormatError(`PEM block '${label}' did not parse: ${errorText(err)}`);
    }
  });
  checkCount(materials.length);
  if (text.replace(PEM_BLOCK, "").trim()) warnings.push("Text outside the PEM blocks was ignored; send other formats separately");
  return { format: "pem", materials, warnings: [...new Set(warnings)] };
}

/** DER: a certificate, a PKCS#7 bundle of certificates, an SPKI, then PKCS#1 / PKCS#8 via sshpk. */
export function parseDer(libs: ParsingLibs, bytes: Uint8Array): ParseResult {
  const x = libs.x509;
  const result = (format: string, materials: Material[]) => ({ format, materials, warnings: [] });
  const attempts: [string, () => ParseResult][] = [
    ["x509_certificate", () => result("der", [certificateMaterial(x, new x.X509Certificate(bytes))])],
    ["pkcs7", () => result("der_pkcs7", certificates(x, new x.X509Certificates(bytes)))],
    ["spki", () => result("der_spki", [spkiMaterial(new x.PublicKey(bytes), { encoding: "spki" })])],
    ["pkcs1", () => derViaSshpk(libs, bytes, "RSA PUBLIC KEY")],
    ["pkcs8", () => derViaSshpk(libs, bytes, "PRIVATE KEY")],
  ];
  for (const [, attempt] of attempts) {
    try {
      const result = attempt();
      if (result.materials.length) return result;
    } catch (err) {
      if (err instanceof TooManyAssets) throw err;
    }
  }
  throw new FormatError(`not a DER certificate, PKCS#7 bundle, SPKI, PKCS#1 or PKCS#8 key (${attempts.length} tried)`);
}

function certificates(x: X509Lib, list: X509Certificates): Material[] {
  checkCount(list.length);
  return [...list].map((cert) => certificateMaterial(x, cert));
}

function derViaSshpk(libs: ParsingLibs, bytes: Uint8Array, label: string): ParseResult {
  const pem = libs.x509.PemConverter.encode(bytes, label);
  const warnings = label.includes("PRIVATE") ? [PRIVATE_WARNING] : [];
  const encoding = label === "RSA PUBLIC KEY" ? "pkcs1" : "pkcs8";
  return { format: `der_${encoding}`, materials: [spkiMaterial(viaSshpk(libs, pem, label), { encoding })], warnings };
}

export const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 200);
