/**
 * IPv4 and IPv6 addresses and networks as integers, so containment is arithmetic rather than
 * string matching, and every address is stored and compared in one canonical text form
 * (dotted quads without leading zeros; RFC 5952 for IPv6).
 */
export interface Address {
  version: 4 | 6;
  value: bigint;
}

export interface Network {
  version: 4 | 6;
  /** The network address: host bits are always zero. */
  base: bigint;
  prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseIpv4(s: string): bigint | null {
  const m = IPV4.exec(s);
  if (!m) return null;
  let value = 0n;
  for (const part of m.slice(1)) {
    // Leading zeros are refused: some parsers read them as octal, so their meaning is ambiguous.
    if (part.length > 1 && part.startsWith("0")) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function groupsOf(part: string): bigint[] | null {
  if (part === "") return [];
  const out: bigint[] = [];
  const pieces = part.split(":");
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    // An embedded IPv4 address may end the text (`::ffff:192.0.2.1`); it fills two groups.
    if (i === pieces.length - 1 && piece.includes(".")) {
      const v4 = parseIpv4(piece);
      if (v4 === null) return null;
      out.push(v4 >> 16n, v4 & 0xffffn);
    } else if (/^[0-9a-f]{1,4}$/i.test(piece)) out.push(BigInt(`0x${piece}`));
    else return null;
  }
  return out;
}

function parseIpv6(s: string): bigint | null {
  if (!s.includes(":") || s.length > 45) return null;
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  let value = 0n;
  for (const g of [...head, ...Array<bigint>(missing).fill(0n), ...tail]) value = (value << 16n) | g;
  return value;
}

/**
 * An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) is the IPv4 address it carries: a block on
 * 192.0.2.1 must also refuse a client that reaches us over a dual stack.
 */
export function parseIp(text: string): Address | null {
  const s = text.trim().replace(/^\[(.*)\]$/, "$1");
  const v4 = parseIpv4(s);
  if (v4 !== null) return { version: 4, value: v4 };
  const v6 = parseIpv6(s);
  if (v6 === null) return null;
  return v6 >> 32n === 0xffffn ? { version: 4, value: v6 & 0xffffffffn } : { version: 6, value: v6 };
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join(".");
}

/** RFC 5952: lowercase, no leading zeros, the longest run (≥ 2) of zero groups as `::`. */
function formatIpv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => (value >> BigInt(112 - 16 * i)) & 0xffffn);
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0n) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0n) j++;
    if (j - i > best.length && j - i >= 2) best = { start: i, length: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.start < 0) return hex.join(":");
  return `${hex.slice(0, best.start).join(":")}::${hex.slice(best.start + best.length).join(":")}`;
}

export const formatIp = (a: Address) => (a.version === 4 ? formatIpv4(a.value) : formatIpv6(a.value));

/** The canonical text of an address, or null when the text is not one. */
export function canonicalIp(text: string): string | null {
  const a = parseIp(text);
  return a ? formatIp(a) : null;
}

const maskOf = (version: 4 | 6, prefix: number) => {
  const bits = BigInt(BITS[version]);
  return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(prefix))) - 1n);
};

/** `address/prefix` (host bits are cleared), or a bare address as a single-host network. */
export function parseCidr(text: string): Network | null {
  const [addr, prefixText, extra] = text.trim().split("/");
  if (extra !== undefined) return null;
  const a = parseIp(addr ?? "");
  if (!a) return null;
  const max = BITS[a.version];
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return null;
  return { version: a.version, base: a.value & maskOf(a.version, prefix), prefix };
}

export const formatCidr = (n: Network) => `${formatIp({ version: n.version, value: n.base })}/${n.prefix}`;

export function contains(n: Network, a: Address): boolean {
  return n.version === a.version && (a.value & maskOf(n.version, n.prefix)) === n.base;
}

/** Unspecified addresses (`0.0.0.0`, `::`) name no host, so evidence never lists them. */
const isUnspecified = (a: Address) => a.value === 0n;

const IPV4_IN_TEXT = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\d|\.\d)/g;
/** IPv6 candidates are whole tokens: anything else around them (`src=`, `[…]:22`) delimits. */
const TOKEN_DELIMITERS = /[\s,;"'()[\]{}<>=|/\\]+/;

/** Every IPv4 and IPv6 address in free text, canonical, in order of first appearance. */
export function ipsInText(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(IPV4_IN_TEXT)) {
    const a = parseIp(m[0]);
    if (a && !isUnspecified(a)) found.add(formatIp(a));
  }
  if (text.includes(":")) {
    for (const raw of text.split(TOKEN_DELIMITERS)) {
      const token = raw.replace(/\.+$/, "");
      if ((token.match(/:/g)?.length ?? 0) < 2) continue;
      const a = parseIp(token);
      if (a && !isUnspecified(a)) found.add(formatIp(a));
    }
  }
  return [...found];
}
