/**
 * IP addresses and CIDR blocks as numbers, so containment is arithmetic rather than string
 * matching. IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`) are treated as the IPv4 address they
 * carry: a block on 192.0.2.1 must also refuse a client that reaches us over a dual stack.
 */
export interface Cidr {
  version: 4 | 6;
  /** The network address (host bits zeroed). */
  network: bigint;
  prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;
const MAPPED_V4 = 0xffff00000000n;

function parseV4(text: string): bigint | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return null;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

function parseV6(text: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return null;
  if (text.includes(".")) {
    // A dotted IPv4 tail stands for the last two groups: rewrite it as them and parse again.
    const lastColon = text.lastIndexOf(":");
    const v4 = parseV4(text.slice(lastColon + 1));
    if (v4 === null) return null;
    return parseV6(`${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`);
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  const count = left.length + right.length;
  if ([...left, ...right].some((h) => !/^[0-9a-fA-F]{1,4}$/.test(h))) return null;
  if (halves.length === 2 ? count > 7 : count !== 8) return null;
  const all = [...left, ...Array<string>(8 - count).fill("0"), ...right];
  return all.reduce((acc, h) => (acc << 16n) | BigInt(`0x${h}`), 0n);
}

/** An address alone, unwrapping IPv4-mapped IPv6. */
export function parseIp(text: string): { version: 4 | 6; value: bigint } | null {
  const trimmed = text.trim();
  const v4 = parseV4(trimmed);
  if (v4 !== null) return { version: 4, value: v4 };
  const v6 = parseV6(trimmed.replace(/^\[|\]$/g, ""));
  if (v6 === null) return null;
  if (v6 >> 32n === MAPPED_V4 >> 32n) return { version: 4, value: v6 & 0xffffffffn };
  return { version: 6, value: v6 };
}

/** `203.0.113.7`, `203.0.113.0/24`, `2001:db8::/32`; a bare address is a /32 or /128. */
export function parseCidr(text: string): Cidr | null {
  const [address = "", prefixText, extra] = text.trim().split("/");
  if (extra !== undefined) return null;
  const ip = parseIp(address);
  if (!ip) return null;
  const bits = BITS[ip.version];
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return null;
  const host = (1n << BigInt(bits - prefix)) - 1n;
  return { version: ip.version, network: ip.value & ~host, prefix };
}

export function cidrContains(block: Cidr, address: { version: 4 | 6; value: bigint }): boolean {
  if (block.version !== address.version) return false;
  const shift = BigInt(BITS[block.version] - block.prefix);
  return address.value >> shift === block.network >> shift;
}

function formatV6(value: bigint): string {
  const hextets = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952: compress the longest run of two or more zero groups (the first, on a tie).
  let best = { at: -1, length: 1 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && hextets[j] === 0) j++;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = hextets.map((h) => h.toString(16));
  if (best.at < 0) return hex.join(":");
  return `${hex.slice(0, best.at).join(":")}::${hex.slice(best.at + best.length).join(":")}`;
}

/** One spelling per block (RFC 5952 for IPv6), so the same block is always the same row. */
export function formatCidr(block: Cidr): string {
  const address =
    block.version === 4 ? [24n, 16n, 8n, 0n].map((s) => String((block.network >> s) & 0xffn)).join(".") : formatV6(block.network);
  return `${address}/${block.prefix}`;
}
