import { bitLength, checkCount, FormatError, fromBase64Url, utf8, type Material } from "./material";
import type { Primitive, Role } from "./primitives";
import type { ParseResult } from "./parse-x509";

/**
 * JOSE material. A JWK or JWKS is read for its public members only; a symmetric (`oct`) key is
 * measured and never hashed or kept. A JWT or JWE is read for its protected header alone: the
 * payload is never decoded and nothing is verified.
 */

type Jwk = Record<string, unknown>;

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "priv"];
const JWK_PRIVATE_WARNING =
  "A JWK with private members was submitted: only its public members were read and nothing private was kept. Treat the key as exposed.";
const OCT_WARNING = "A symmetric JWK was submitted: only its length was read; its value was neither hashed nor kept.";

/** JWS and JWE algorithm names (RFC 7518, draft ML-DSA for JOSE) as primitives. */
function joseAlgorithm(alg: string, header: Jwk = {}): Primitive | null {
  let m: RegExpExecArray | null;
  if ((m = /^HS(256|384|512)$/.exec(alg))) return { family: "mac", name: `HMAC-SHA-${m[1]}`, role: "mac", keyBits: +m[1]! };
  if (/^(RS|PS)(256|384|512)$/.test(alg)) return { family: "rsa", name: "RSA", role: "signature", keyBits: null };
  const es: Record<string, string> = { ES256: "P-256", ES384: "P-384", ES512: "P-521", ES256K: "K-256" };
  if (es[alg]) return { family: "ec", name: "ECDSA", role: "signature", curve: es[alg] };
  if (alg === "EdDSA" || alg === "Ed25519" || alg === "Ed448") {
    const curve = alg === "Ed448" ? "Ed448" : "Ed25519";
    return { family: "eddsa", name: curve, role: "signature", curve };
  }
  if (/^ML-DSA-(44|65|87)$/.test(alg)) return { family: "ml_dsa", name: alg, role: "signature" };
  if (alg === "none") return { family: "none", name: "none (unsigned)", role: "signature" };
  if (/^(RSA1_5|RSA-OAEP(-256|-384|-512)?)$/.test(alg)) return { family: "rsa", name: "RSA", role: "encryption", keyBits: null };
  if (alg.startsWith("ECDH-ES")) {
    const crv = typeof (header.epk as Jwk | undefined)?.crv === "string" ? ((header.epk as Jwk).crv as string) : null;
    const montgomery = crv === "X25519" || crv === "X448";
    return {
      family: montgomery ? "ecdh_montgomery" : "ec",
      name: crv && montgomery ? crv : "ECDH",
      role: "key_exchange",
      curve: crv,
    };
  }
  if ((m = /^A(128|192|256)(KW|GCMKW|GCM|CBC-HS\d+)$/.exec(alg)))
    return { family: "symmetric", name: `AES-${m[1]}-${m[2]}`, role: "symmetric_cipher", keyBits: +m[1]! };
  return null;
}

function jwkRole(jwk: Jwk): Role {
  const ops = Array.isArray(jwk.key_ops) ? (jwk.key_ops as string[]) : [];
  const alg = typeof jwk.alg === "string" ? jwk.alg : "";
  if (jwk.use === "sig" || ops.some((o) => o === "sign" || o === "verify") || /^(RS|PS|ES|Ed)/.test(alg)) return "signature";
  if (jwk.use === "enc" || ops.some((o) => /^(encrypt|wrapKey|deriveKey|deriveBits)$/.test(o)) || /^(RSA|ECDH)/.test(alg))
    return alg.startsWith("RSA") || jwk.kty === "RSA" ? "encryption" : "key_exchange";
  return "any_public_key";
}

const str = (v: unknown) => (typeof v === "string" ? v : null);

/** RFC 7638: the SHA-256 input is the required public members, sorted, with no whitespace. */
const thumbprintInput = (members: Record<string, unknown>) =>
  utf8(
    JSON.stringify(
      Object.fromEntries(
        Object.keys(members)
          .sort()
          .map((k) => [k, members[k]]),
      ),
    ),
  );

/** Per key type: the primitive, and what its fingerprint hashes (RFC 7638 members; never a secret). */
type KeyReader = (jwk: Jwk, role: Role) => { primitive: Primitive; fingerprintInput: Uint8Array | string };

const KEY_READERS: Record<string, KeyReader> = {
  RSA: (jwk, role) => {
    const n = fromBase64Url(str(jwk.n) ?? "!");
    if (!n) throw new FormatError("RSA JWK without a base64url 'n'");
    return {
      primitive: { family: "rsa", name: "RSA", role, keyBits: bitLength(n) },
      fingerprintInput: thumbprintInput({ e: jwk.e, kty: "RSA", n: jwk.n }),
    };
  },
  EC: (jwk, role) => ({
    primitive: { family: "ec", name: EC_NAMES[role] ?? "EC", role, curve: str(jwk.crv) },
    fingerprintInput: thumbprintInput({ crv: jwk.crv, kty: "EC", x: jwk.x, y: jwk.y }),
  }),
  OKP: (jwk) => {
    const crv = str(jwk.crv);
    const primitive: Primitive =
      crv === "X25519" || crv === "X448"
        ? { family: "ecdh_montgomery", name: crv, role: "key_exchange", curve: crv }
        : { family: "eddsa", name: crv ?? "EdDSA", role: "signature", curve: crv };
    return { primitive, fingerprintInput: thumbprintInput({ crv, kty: "OKP", x: jwk.x }) };
  },
  // draft-ietf-cose-dilithium: ML-DSA public keys as {"kty": "AKP", "alg": "ML-DSA-65", "pub": …}.
  AKP: (jwk, role) => {
    const alg = str(jwk.alg) ?? "unknown";
    return {
      primitive: joseAlgorithm(alg) ?? { family: "unknown", name: alg, role },
      fingerprintInput: thumbprintInput({ alg, kty: "AKP", pub: jwk.pub }),
    };
  },
  // A symmetric secret: measured only; its fingerprint names it by kid, alg and length.
  oct: (jwk) => {
    const bits = (fromBase64Url(str(jwk.k) ?? "")?.length ?? 0) * 8;
    const hinted = joseAlgorithm(str(jwk.alg) ?? "");
    return {
      primitive: hinted
        ? { ...hinted, keyBits: Math.min(bits, hinted.keyBits ?? bits) }
        : { family: "symmetric", name: `symmetric-${bits}`, role: "symmetric_cipher", keyBits: bits },
      fingerprintInput: `jwk-oct:${str(jwk.kid) ?? ""}:${str(jwk.alg) ?? ""}:${bits}`,
    };
  },
};

const EC_NAMES: Partial<Record<Role, string>> = { signature: "ECDSA", key_exchange: "ECDH" };

function jwkMaterial(jwk: Jwk, warnings: string[]): Material {
  const read = typeof jwk.kty === "string" && Object.hasOwn(KEY_READERS, jwk.kty) ? KEY_READERS[jwk.kty] : undefined;
  if (!read) throw new FormatError(`JWK with unsupported kty '${String(jwk.kty)}'`);
  if (jwk.kty === "oct") warnings.push(OCT_WARNING);
  else if (PRIVATE_MEMBERS.some((m) => m in jwk)) warnings.push(JWK_PRIVATE_WARNING);
  const { primitive, fingerprintInput } = read(jwk, jwkRole(jwk));
  return {
    kind: "jwk",
    algorithm: primitive.name,
    primitives: [primitive],
    fingerprintInput,
    lifetime: "unbounded",
    details: { kid: str(jwk.kid), alg: str(jwk.alg), use: str(jwk.use) },
  };
}

export function parseJson(text: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new FormatError("not valid JSON");
  }
  const keys = Array.isArray(value) ? value : (value as Jwk | null)?.keys;
  const list = Array.isArray(keys) ? (keys as unknown[]) : value && typeof value === "object" && "kty" in value ? [value] : null;
  if (!list?.length) throw new FormatError("JSON is neither a JWK (with 'kty') nor a JWKS (with 'keys')");
  checkCount(list.length);
  const warnings: string[] = [];
  const materials = list.map((jwk) => {
    if (!jwk || typeof jwk !== "object") throw new FormatError("a JWKS entry is not an object");
    return jwkMaterial(jwk as Jwk, warnings);
  });
  return { format: Array.isArray(keys) ? "jwks" : "jwk", materials, warnings: [...new Set(warnings)] };
}

export const COMPACT_JOSE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]*){2,4}$/;

/** A compact JWS (3 parts) or JWE (5 parts): the protected header only. */
export function parseJwt(text: string): ParseResult {
  const parts = text.split(".");
  if (parts.length !== 3 && parts.length !== 5) throw new FormatError("compact JOSE has 3 (JWS) or 5 (JWE) parts");
  const bytes = fromBase64Url(parts[0]!);
  let header: Jwk;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes ?? new Uint8Array())) as Jwk;
  } catch {
    throw new FormatError("the first part is not a base64url JSON header");
  }
  const alg = str(header?.alg);
  if (!alg) throw new FormatError("the header has no 'alg'");
  const primary = joseAlgorithm(alg, header) ?? { family: "unknown" as const, name: alg, role: "signature" as const };
  const enc = str(header.enc);
  const content = enc ? joseAlgorithm(enc) : null;
  const jwe = parts.length === 5;
  const canonical = { alg, enc, kid: str(header.kid), typ: str(header.typ), crv: str((header.epk as Jwk | undefined)?.crv) };
  return {
    format: jwe ? "jwe" : "jwt",
    materials: [
      {
        kind: "jwt_header",
        algorithm: enc ? `${alg} + ${enc}` : alg,
        primitives: content ? [primary, content] : [primary],
        fingerprintInput: `jose-header:${JSON.stringify(canonical)}`,
        lifetime: "configuration",
        details: { ...canonical, token: jwe ? "jwe" : "jws", payload_read: false, signature_verified: false },
      },
    ],
    warnings: [],
  };
}
