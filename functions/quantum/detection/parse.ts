import { ApiError } from "../../platform/errors";
import { parsingLibs, type ParsingLibs } from "./libs";
import { FormatError, MAX_ASSETS, TooManyAssets } from "./material";
import { COMPACT_JOSE, parseJson, parseJwt } from "./parse-jose";
import { looksLikeSsh, parseSsh } from "./parse-ssh";
import { parseTls } from "./parse-tls";
import { errorText, parseDer, parsePem, type ParseResult } from "./parse-x509";

/**
 * Reads `data` as each supported kind in a fixed order, most specific first, and keeps the first
 * that yields assets. A kind whose shape the input does not have is skipped; one it has but
 * fails to parse as is remembered, so the 400 says what was tried and why each failed.
 */

interface Input {
  bytes: Uint8Array;
  text: string;
}

interface Kind {
  format: string;
  fits: (i: Input) => boolean;
  shape: string;
  parse: (i: Input, libs: ParsingLibs) => ParseResult;
}

const KINDS: Kind[] = [
  {
    format: "pem",
    shape: "no '-----BEGIN' line",
    fits: (i) => i.text.includes("-----BEGIN "),
    parse: (i, l) => parsePem(l, i.text),
  },
  {
    format: "der",
    shape: "does not start with a DER SEQUENCE",
    fits: (i) => i.bytes[0] === 0x30,
    parse: (i, l) => parseDer(l, i.bytes),
  },
  {
    format: "jwk_or_jwks",
    shape: "not a JSON object or array",
    fits: (i) => /^[{[]/.test(i.text),
    parse: (i) => parseJson(i.text),
  },
  { format: "jwt", shape: "not compact JOSE (a.b.c)", fits: (i) => COMPACT_JOSE.test(i.text), parse: (i) => parseJwt(i.text) },
  {
    format: "openssh",
    shape: "no '<key type> AAAA…' line",
    fits: (i) => looksLikeSsh(i.text),
    parse: (i, l) => parseSsh(l, i.text),
  },
  { format: "tls_list", shape: "empty", fits: (i) => i.text.length > 0, parse: (i) => parseTls(i.text) },
];

export const TRIED_FORMATS = KINDS.map((k) => k.format);

/** Standard or URL-safe base64, whitespace and padding optional; null when it is neither. */
export function decodeData(data: string): Uint8Array | null {
  const compact = data.replace(/\s+/g, "").replace(/=+$/, "").replaceAll("-", "+").replaceAll("_", "/");
  if (!/^[A-Za-z0-9+/]+$/.test(compact) || compact.length % 4 === 1) return null;
  const bin = atob(compact + "=".repeat((4 - (compact.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export async function parseMaterial(bytes: Uint8Array): Promise<ParseResult> {
  const libs = await parsingLibs();
  const input = {
    bytes,
    text: new TextDecoder()
      .decode(bytes)
      .replace(/^\uFEFF/, "")
      .trim(),
  };
  const tried: { format: string; result: string }[] = [];
  for (const kind of KINDS) {
    if (!kind.fits(input)) {
      tried.push({ format: kind.format, result: `skipped: ${kind.shape}` });
      continue;
    }
    try {
      return kind.parse(input, libs);
    } catch (err) {
      if (err instanceof TooManyAssets)
        throw new ApiError("invalid_request", err.message, { format: kind.format, found: err.found, max_assets: MAX_ASSETS });
      tried.push({ format: kind.format, result: err instanceof FormatError ? err.message : `failed: ${errorText(err)}` });
    }
  }
  throw new ApiError(
    "invalid_request",
    `'data' is no cryptographic material this endpoint reads; tried ${TRIED_FORMATS.join(", ")}`,
    { field: "data", tried },
  );
}
