import type sshpk from "sshpk";
import type { ParsingLibs } from "./libs";
import { checkCount, FormatError, type Material } from "./material";
import type { Primitive } from "./primitives";
import { errorText, sshpkSpki, type ParseResult } from "./parse-x509";

/**
 * OpenSSH public keys, one per line, as in authorized_keys (options before the key are skipped)
 * or known_hosts (host names before it). sshpk parses each key; SSH keys authenticate, so their
 * role is signature: SSH's session keys come from a separate key exchange.
 */

const KEY_TYPES =
  "ssh-(?:rsa|dss|ed25519|ed448)|ecdsa-sha2-nistp(?:256|384|521)|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\\.com";
const SSH_KEY = new RegExp(`(?:^|\\s)((?:${KEY_TYPES})\\s+[A-Za-z0-9+/]+={0,2})(?:\\s+(.*))?$`);

export const looksLikeSsh = (text: string) => new RegExp(`(?:^|\\s)(?:${KEY_TYPES})\\s+AAAA`).test(text);

function sshPrimitive(key: sshpk.Key): Primitive {
  switch (key.type) {
    case "rsa":
      return { family: "rsa", name: "RSA", role: "signature", keyBits: key.size };
    case "dsa":
      return { family: "dsa", name: "DSA", role: "signature", keyBits: key.size };
    case "ecdsa":
      return { family: "ec", name: "ECDSA", role: "signature", curve: key.curve ?? null };
    case "ed25519":
      return { family: "eddsa", name: "Ed25519", role: "signature", curve: "Ed25519" };
    default:
      return { family: "unknown", name: key.type, role: "signature" };
  }
}

function sshMaterial(libs: ParsingLibs, line: string, comment: string | undefined): Material {
  const key = libs.sshpk.parseKey(line, "ssh");
  const primitive = sshPrimitive(key);
  let spki: Uint8Array | null = null;
  try {
    spki = sshpkSpki(libs.x509, key);
  } catch {
    // sshpk has no SPKI encoding for every type; the SSH wire encoding identifies the key instead.
  }
  return {
    kind: "ssh_public_key",
    algorithm: primitive.name,
    primitives: [primitive],
    // The SPKI, so the same key sent as PEM or as an SSH line is one inventory entry.
    fingerprintInput: spki ?? new Uint8Array(key.toBuffer("rfc4253")),
    lifetime: "unbounded",
    subject: comment?.trim().slice(0, 200) || null,
    details: { ssh_fingerprint: key.fingerprint("sha256").toString(), ssh_type: key.type },
  };
}

export function parseSsh(libs: ParsingLibs, text: string): ParseResult {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() && !l.trimStart().startsWith("#"));
  const found = lines.map((l) => SSH_KEY.exec(l.trim())).filter((m): m is RegExpExecArray => m !== null);
  if (!found.length) throw new FormatError("no line holds '<key type> AAAA…'");
  checkCount(found.length);
  const materials = found.map((m) => {
    try {
      return sshMaterial(libs, m[1]!, m[2]);
    } catch (err) {
      throw new FormatError(`an SSH key did not parse: ${errorText(err)}`);
    }
  });
  return { format: "openssh", materials, warnings: [] };
}
