import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { SessionKind } from "../../../schema";
import { database } from "../db";
import type { AppEnv } from "../types";
import { COOKIE_NAME, revokeSession, SESSION_TTL_S, verifySession } from "./sessions";

const ATTRIBUTES = { httpOnly: true, secure: true, sameSite: "Strict", path: "/" } as const;

/** HttpOnly, Secure, SameSite=Strict, Path=/, 24 h: the attributes both cookie seeds specify. */
export function setSessionCookie(c: Context, kind: SessionKind, value: string) {
  setCookie(c, COOKIE_NAME[kind], value, { ...ATTRIBUTES, maxAge: SESSION_TTL_S });
}

/** The valid session behind the request's cookie, or null (absent, tampered, expired, revoked). */
export async function currentSession(c: Context<AppEnv>, kind: SessionKind) {
  const value = getCookie(c, COOKIE_NAME[kind]);
  return value ? verifySession(database(c.env.DB), c.env.AUTH_SECRET, kind, value) : null;
}

/** Revokes the session server-side (so a copied cookie stops working) and clears the cookie. */
export async function endSession(c: Context<AppEnv>, kind: SessionKind) {
  const principal = await currentSession(c, kind);
  if (principal?.sessionId) await revokeSession(database(c.env.DB), principal.sessionId);
  deleteCookie(c, COOKIE_NAME[kind], ATTRIBUTES);
}
