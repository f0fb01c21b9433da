import { sha256Hex } from "./crypto";

/**
 * A hash-chained log: each entry's hash covers the previous entry's hash and the entry's own
 * canonical JSON, so changing, removing or reordering any entry breaks every link after it.
 */
export const GENESIS_HASH = "0".repeat(64);

export interface ChainEntry {
  seq: number;
  at: number;
  actor: string;
  action: string;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** JSON with object keys sorted, so the same entry always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value);
}

export const entryHash = (prevHash: string, e: Omit<ChainEntry, "prevHash" | "hash">) =>
  sha256Hex(`${prevHash}\n${canonicalJson({ seq: e.seq, at: e.at, actor: e.actor, action: e.action, details: e.details })}`);

/** An entry as stored and passed over RPC: details stay the JSON text they were hashed from. */
export type StoredEntry = Omit<ChainEntry, "details"> & { detailsJson: string };

export const parseEntry = ({ detailsJson, ...rest }: StoredEntry): ChainEntry => ({ ...rest, details: JSON.parse(detailsJson) });

/**
 * The first entry whose link or hash does not check out, or null when the run holds. A run that
 * does not start the chain is checked against the hash of the entry just before it.
 */
export async function firstBrokenLink(
  entries: readonly StoredEntry[],
  prevHash = GENESIS_HASH,
  firstSeq = 1,
): Promise<number | null> {
  let prev = prevHash;
  for (const [i, stored] of entries.entries()) {
    let e: ChainEntry;
    try {
      e = parseEntry(stored);
    } catch {
      return stored.seq;
    }
    if (e.seq !== firstSeq + i || e.prevHash !== prev || e.hash !== (await entryHash(prev, e))) return e.seq;
    prev = e.hash;
  }
  return null;
}
