import type { Context } from "hono";
import { sha256Hex, toHex } from "../crypto";
import { database } from "../db";
import { ApiError } from "../errors";
import type { AppEnv } from "../types";
import { decryptText } from "./keys";
import { clientById } from "./oauth-clients";
import type { Principal } from "./principal";

/** Signatures older or newer than this are refused; replays inside it are caught by ReplayGuard. */
export const SIGNATURE_WINDOW_S = 300;

const encoder = new TextEncoder();

/** `METHOD\nPATH\nTIMESTAMP[\nsha256hex(body)]`, PATH including any query string. */
export async function signingBase(method: string, pathWithQuery: string, timestamp: string, body: ArrayBuffer | null) {
  const base = `${method.toUpperCase()}\n${pathWithQuery}\n${timestamp}`;
  return body && body.byteLength ? `${base}\n${await sha256Hex(new Uint8Array(body))}` : base;
}

async function hmacHex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return toHex(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
}

const unauthorized = (message: string) => new ApiError("invalid_credentials", message);

/**
 * Authenticates an HMAC-signed request (X-Client-ID, X-Timestamp, X-Signature) as the
 * OAuth client that signed it. Each signature is accepted once.
 */
export async function verifySignedRequest(c: Context<AppEnv>, now = Date.now()): Promise<Principal> {
  const clientId = c.req.header("X-Client-ID");
  const timestamp = c.req.header("X-Timestamp");
  const signature = c.req.header("X-Signature")?.toLowerCase();
  if (!clientId || !timestamp || !signature) throw unauthorized("Signed requests need X-Client-ID, X-Timestamp and X-Signature");
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now / 1000 - Number(timestamp)) > SIGNATURE_WINDOW_S)
    throw unauthorized(`X-Timestamp must be Unix seconds within ${SIGNATURE_WINDOW_S} s of the server's clock`);
  if (!/^[0-9a-f]{64}$/.test(signature)) throw unauthorized("X-Signature must be 64 hex characters");
  const client = clientId.length <= 64 ? await clientById(database(c.env.DB), clientId) : undefined;
  const url = new URL(c.req.url);
  const body = c.req.method === "GET" || c.req.method === "HEAD" ? null : await c.req.arrayBuffer();
  const base = await signingBase(c.req.method, url.pathname + url.search, timestamp, body);
  // Compute even for unknown clients so timing does not reveal which client ids exist.
  const secret = client ? await decryptText(c.env.AUTH_SECRET, client.secretCiphertext) : "unknown-client";
  const expected = await hmacHex(secret, base);
  const matches = crypto.subtle.timingSafeEqual(encoder.encode(expected), encoder.encode(signature));
  if (!client || !matches) throw unauthorized("Invalid request signature");
  const guard = c.env.REPLAY_GUARD.getByName(client.id);
  if (!(await guard.claim(signature, (Number(timestamp) + SIGNATURE_WINDOW_S) * 1000 + 1000)))
    throw unauthorized("This signature has already been used");
  return {
    tenantId: client.tenantId,
    kind: "oauth_client",
    id: client.id,
    method: "hmac_signature",
    role: null,
    scopes: client.scopes,
    tier: client.tier,
    machine: null,
    sessionId: null,
  };
}
