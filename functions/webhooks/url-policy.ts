import { ApiError } from "../platform/errors";

/**
 * Where Vigil will POST. Outbound requests from a Worker go to the public internet, but a URL
 * naming a private, loopback or link-local address is refused anyway, at creation and again
 * at every delivery. The WHATWG URL parser already turns decimal, hex and octal IPv4 spellings
 * (`http://2130706433`, `0x7f.1`, `0177.0.0.1`) into dotted quads, so one range check covers
 * them. Development (ENVIRONMENT=development) also allows `http://127.0.0.1:<port>` and
 * `http://localhost:<port>`, so local receivers work.
 */
const BLOCKED_V4: [number, number][] = [
  [0x00000000, 8], // 0.0.0.0/8
  [0x0a000000, 8], // 10/8
  [0x64400000, 10], // 100.64/10 CGNAT
  [0x7f000000, 8], // 127/8
  [0xa9fe0000, 16], // 169.254/16 link-local (cloud metadata)
  [0xac100000, 12], // 172.16/12
  [0xc0000000, 24], // 192.0.0/24 IETF protocol assignments
  [0xc0a80000, 16], // 192.168/16
  [0xc6120000, 15], // 198.18/15 benchmarking
  [0xe0000000, 4], // multicast
  [0xf0000000, 4], // reserved and broadcast
];

function ipv4(host: string): number | null {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

const inRange = (ip: number, [base, bits]: [number, number]) =>
  Math.floor(ip / 2 ** (32 - bits)) === Math.floor(base / 2 ** (32 - bits));

function blockedV6(host: string): boolean {
  const h = host.toLowerCase();
  if (h === "::" || h === "::1") return true;
  // IPv4-mapped and -translated forms (::ffff:7f00:1, ::ffff:127.0.0.1, 64:ff9b::…) and the deprecated
  // IPv4-compatible ::a.b.c.d, which the URL parser serialises as hex (::127.0.0.1 → ::7f00:1).
  if (h.startsWith("::ffff:") || h.startsWith("64:ff9b:") || /^::(?:[0-9a-f]{1,4}:)?[0-9a-f.]+$/.test(h)) return true;
  const first = parseInt(h.split(":")[0] || "0", 16);
  if ((first & 0xfe00) === 0xfc00) return true; // fc00::/7 unique local
  if ((first & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
  if ((first & 0xff00) === 0xff00) return true; // multicast
  return false;
}

const refuse = (reason: string) => new ApiError("invalid_request", `Webhook URL refused: ${reason}`, { field: "url" });

function isLocalDevTarget(url: URL): boolean {
  return url.protocol === "http:" && (url.hostname === "127.0.0.1" || url.hostname === "localhost") && url.port !== "";
}

export function checkWebhookUrl(raw: string, development: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse("not an absolute URL");
  }
  if (url.username || url.password) throw refuse("credentials in the URL are not allowed");
  if (development && isLocalDevTarget(url)) return url;
  if (url.protocol !== "https:") throw refuse("only https URLs are allowed");
  // A fully qualified name's trailing dot (`localhost.`) names the same host: check it without.
  const host = url.hostname.replace(/\.+$/, "");
  if (host.startsWith("[")) {
    if (blockedV6(host.slice(1, -1))) throw refuse("private, loopback or link-local IPv6 address");
    return url;
  }
  const v4 = ipv4(host);
  if (v4 !== null) {
    if (BLOCKED_V4.some((r) => inRange(v4, r))) throw refuse("private, loopback, link-local or reserved IPv4 address");
    return url;
  }
  if (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    host.endsWith(".local") ||
    host.endsWith(".internal") ||
    !host.includes(".")
  )
    throw refuse("not a public host name");
  return url;
}
