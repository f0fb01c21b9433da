/**
 * The assessment table: what one cryptographic primitive is worth today and against a
 * cryptographically relevant quantum computer. Sources:
 * - classical strength: NIST SP 800-57 Part 1 Rev. 5 Tables 2-3 (RSA/DH at 1024/2048/3072/7680/
 *   15360 bits = 80/112/128/192/256; other sizes by the GNFS estimate of FIPS 140-3 IG D.B);
 *   curve strength is half the group order's size; ML-KEM/ML-DSA/SLH-DSA by NIST category;
 * - Shor breaks every RSA, finite-field DH, DSA and elliptic-curve scheme (ECDSA, ECDH, EdDSA,
 *   X25519) whatever the key size; hybrid groups stay safe while their ML-KEM half holds;
 * - Grover halves symmetric key search (AES-128 → 64 bits) and hash preimage search; quantum
 *   collision search is not cheaper than classical birthday search once memory is costed, so a
 *   hash's reported classical strength (collisions, n/2) is also its post-Grover floor;
 * - NIST IR 8547 (ipd): quantum-vulnerable public-key schemes at 112 bits are deprecated after
 *   2030 and all are disallowed after 2035; below 112 bits they are disallowed already
 *   (SP 800-131A Rev. 2). Symmetric ciphers and SHA-2/SHA-3 are unaffected by IR 8547.
 */

export type Role =
  "signature" | "ca_signature" | "key_exchange" | "encryption" | "any_public_key" | "symmetric_cipher" | "hash" | "mac";

export type Family =
  | "rsa"
  | "dsa"
  | "ffdh"
  | "ec"
  | "eddsa"
  | "ecdh_montgomery"
  | "ml_kem"
  | "ml_dsa"
  | "slh_dsa"
  | "hybrid_kem"
  | "symmetric"
  | "hash"
  | "mac"
  | "none"
  | "unknown";

export const VERDICTS = ["weak_classical", "quantum_vulnerable", "quantum_weakened", "quantum_resistant", "unknown"] as const;
export type Verdict = (typeof VERDICTS)[number];
export const SHOR_IMPACTS = ["broken", "mitigated_by_hybrid", "not_applicable"] as const;
export type ShorImpact = (typeof SHOR_IMPACTS)[number];

export interface Primitive {
  family: Family;
  /** Display name: "RSA", "ECDSA", "Ed25519", "X25519", "ML-KEM-768", "AES-128-GCM", "SHA-256", … */
  name: string;
  role: Role;
  keyBits?: number | null;
  curve?: string | null;
}

export interface NistIr8547 {
  deprecated_after: string | null;
  disallowed_after: string | null;
  already_disallowed: boolean;
}

export interface PrimitiveAssessment {
  algorithm: string;
  role: Role;
  key_bits: number | null;
  curve: string | null;
  classical_security_bits: number | null;
  shor: ShorImpact;
  grover_security_bits: number | null;
  annealing_relevant: boolean;
  harvest_now_decrypt_later: boolean;
  verdict: Verdict;
  nist_ir_8547: NistIr8547 | null;
  replacement: string | null;
  notes: string[];
}

export const DEPRECATED_AFTER = "2030-12-31";
export const DISALLOWED_AFTER = "2035-12-31";

const SHOR_BROKEN = new Set<Family>(["rsa", "dsa", "ffdh", "ec", "eddsa", "ecdh_montgomery"]);
const POST_QUANTUM = new Set<Family>(["ml_kem", "ml_dsa", "slh_dsa"]);

/** NIST's strength points for RSA and finite-field DH moduli. */
const MODULUS_TABLE: Record<number, number> = { 1024: 80, 2048: 112, 3072: 128, 7680: 192, 15360: 256 };

/** The GNFS work estimate (FIPS 140-3 IG D.B) for moduli between the table's points. */
export function modulusStrength(bits: number): number {
  const table = MODULUS_TABLE[bits];
  if (table !== undefined) return table;
  const x = bits * Math.LN2;
  return Math.round((1.923 * Math.cbrt(x) * Math.cbrt(Math.log(x) ** 2) - 4.69) / Math.LN2);
}

/** Half the group order's bit length; names as WebCrypto, JOSE, SSH and TLS spell them. */
const CURVE_BITS: Record<string, number> = {
  "P-192": 96,
  "P-224": 112,
  "P-256": 128,
  "P-384": 192,
  "P-521": 256,
  "K-256": 128,
  brainpoolP256r1: 128,
  brainpoolP384r1: 192,
  brainpoolP512r1: 256,
  Ed25519: 128,
  Ed448: 224,
  X25519: 128,
  X448: 224,
};
const CURVE_ALIASES: Record<string, string> = {
  secp192r1: "P-192",
  prime192v1: "P-192",
  secp224r1: "P-224",
  secp256r1: "P-256",
  prime256v1: "P-256",
  nistp256: "P-256",
  secp384r1: "P-384",
  nistp384: "P-384",
  secp521r1: "P-521",
  nistp521: "P-521",
  secp256k1: "K-256",
};

export const canonicalCurve = (curve: string): string => CURVE_ALIASES[curve] ?? curve;

/** NIST security categories 1/2/3/5 as the AES/SHA strength they match. */
const POST_QUANTUM_BITS: Record<string, number> = {
  "ML-KEM-512": 128,
  "ML-KEM-768": 192,
  "ML-KEM-1024": 256,
  "ML-DSA-44": 128,
  "ML-DSA-65": 192,
  "ML-DSA-87": 256,
  X25519MLKEM768: 192,
  SecP256r1MLKEM768: 192,
  SecP384r1MLKEM1024: 256,
  X25519Kyber768Draft00: 192,
};

/** Symmetric ciphers and hashes that are broken or retired regardless of key size. */
const CLASSICALLY_BROKEN = /^(NULL|RC4|RC2|DES|3DES|MD5|SHA-1|HMAC-MD5|EXPORT)/;

function classicalBits(p: Primitive): number | null {
  switch (p.family) {
    case "rsa":
    case "ffdh":
    case "dsa":
      return p.keyBits ? modulusStrength(p.keyBits) : null;
    case "ec":
    case "eddsa":
    case "ecdh_montgomery":
      return p.curve ? (CURVE_BITS[canonicalCurve(p.curve)] ?? null) : null;
    case "ml_kem":
    case "ml_dsa":
    case "hybrid_kem":
      return POST_QUANTUM_BITS[p.name] ?? null;
    case "slh_dsa":
      return /128/.test(p.name) ? 128 : /192/.test(p.name) ? 192 : /256/.test(p.name) ? 256 : null;
    case "symmetric":
    case "mac":
      return p.keyBits ?? null;
    case "hash":
      return p.keyBits ? p.keyBits / 2 : null;
    case "none":
      return 0;
    case "unknown":
      return null;
  }
}

function groverBits(p: Primitive, classical: number | null): number | null {
  if (classical === null) return null;
  if (p.family === "symmetric" || p.family === "mac") return Math.floor(classical / 2);
  if (p.family === "hash") return classical;
  return null;
}

function verdictOf(p: Primitive, classical: number | null, grover: number | null): Verdict {
  if (p.family === "none" || CLASSICALLY_BROKEN.test(p.name)) return "weak_classical";
  if (p.family === "unknown" || classical === null) return SHOR_BROKEN.has(p.family) ? "quantum_vulnerable" : "unknown";
  if (classical < 112) return "weak_classical";
  if (SHOR_BROKEN.has(p.family)) return p.family === "dsa" ? "weak_classical" : "quantum_vulnerable";
  if (grover !== null && grover < 128) return "quantum_weakened";
  return "quantum_resistant";
}

function nistDates(p: Primitive, classical: number | null): NistIr8547 | null {
  if (!SHOR_BROKEN.has(p.family)) return null;
  if (classical !== null && classical < 112) return { deprecated_after: null, disallowed_after: null, already_disallowed: true };
  return {
    deprecated_after: classical === null || classical <= 112 ? DEPRECATED_AFTER : null,
    disallowed_after: DISALLOWED_AFTER,
    already_disallowed: false,
  };
}

function replacementOf(p: Primitive, verdict: Verdict): string | null {
  if (verdict === "quantum_resistant" || verdict === "unknown") return null;
  if (p.family === "hash") return "SHA-384";
  if (p.family === "symmetric" || p.family === "mac") return p.family === "mac" ? "HMAC-SHA-384" : "AES-256";
  if (p.role === "ca_signature") return "SLH-DSA";
  if (p.role === "key_exchange" || p.role === "encryption") return "ML-KEM-768";
  return "ML-DSA-65";
}

function notesOf(p: Primitive, verdict: Verdict, grover: number | null): string[] {
  const notes: string[] = [];
  if (p.family === "rsa")
    notes.push(
      "Annealing factoring demonstrations handle tiny or specially shaped numbers; not a practical threat to RSA at real key sizes",
    );
  if (p.role === "any_public_key" && SHOR_BROKEN.has(p.family))
    notes.push("Usage not stated: assumed it may establish keys (ML-KEM-768 there) as well as sign (ML-DSA-65)");
  if (p.family === "hybrid_kem")
    notes.push("Hybrid key exchange: Shor breaks the classical half; the session key holds while ML-KEM holds");
  if (p.name === "X25519Kyber768Draft00") notes.push("Pre-standard Kyber draft; move to X25519MLKEM768");
  if (verdict === "quantum_weakened" && p.family === "symmetric" && grover !== null && grover >= 64)
    notes.push("NIST IR 8547 keeps AES-128 approved; CNSA 2.0 asks for AES-256");
  return notes;
}

export function assessPrimitive(p: Primitive): PrimitiveAssessment {
  const classical = classicalBits(p);
  const grover = groverBits(p, classical);
  const verdict = verdictOf(p, classical, grover);
  const broken = SHOR_BROKEN.has(p.family);
  return {
    algorithm: p.name,
    role: p.role,
    key_bits: p.keyBits ?? null,
    curve: p.curve ? canonicalCurve(p.curve) : null,
    classical_security_bits: classical,
    shor: broken ? "broken" : p.family === "hybrid_kem" ? "mitigated_by_hybrid" : "not_applicable",
    grover_security_bits: grover,
    annealing_relevant: p.family === "rsa",
    harvest_now_decrypt_later: broken && (p.role === "key_exchange" || p.role === "encryption" || p.role === "any_public_key"),
    verdict,
    nist_ir_8547: nistDates(p, classical),
    replacement: replacementOf(p, verdict),
    notes: notesOf(p, verdict, grover),
  };
}

export const isPostQuantum = (family: Family) => POST_QUANTUM.has(family) || family === "hybrid_kem";

/** Worst first: a composite (a TLS suite) takes its worst component's verdict. */
const VERDICT_RANK: Record<Verdict, number> = {
  weak_classical: 0,
  quantum_vulnerable: 1,
  quantum_weakened: 2,
  unknown: 3,
  quantum_resistant: 4,
};
export const worstVerdict = (verdicts: Verdict[]): Verdict =>
  verdicts.reduce<Verdict>((worst, v) => (VERDICT_RANK[v] < VERDICT_RANK[worst] ? v : worst), "quantum_resistant");
