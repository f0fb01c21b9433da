import { bytesEqual, toBase64 } from "../../platform/crypto";
import { ApiError } from "../../platform/errors";
import { ciphertextDigest, combineShares, open, verifyShareMac } from "./crypto";
import type { FragmentRef, ShareRecord } from "./model";
import { expired, liveSet, vaultOf, type FragmentDeps, type FragmentSet } from "./service";

interface Sorted {
  valid: { ref: FragmentRef; record: ShareRecord }[];
  missing: string[];
  tampered: string[];
}

/** A fragment that cannot be reached counts as missing: that is what redundancy is for. */
async function readShare(deps: FragmentDeps, ref: FragmentRef): Promise<ShareRecord | null> {
  try {
    return await vaultOf(deps, ref.fragment_id).share();
  } catch (err) {
    deps.log.warn("fragment unreachable", { fragment_id: ref.fragment_id, error: String(err) });
    return null;
  }
}

/**
 * Checks every share against the MAC made when the set was created, over the parent, fragment id
 * and slot taken from D1 (not from the fragment), so a share moved from another slot or set fails
 * and is named rather than combined.
 */
async function sortShares(deps: FragmentDeps, set: FragmentSet): Promise<Sorted> {
  const records = await Promise.all(set.fragments.map((ref) => readShare(deps, ref)));
  const sorted: Sorted = { valid: [], missing: [], tampered: [] };
  for (const [i, ref] of set.fragments.entries()) {
    const record = records[i];
    if (!record) {
      sorted.missing.push(ref.fragment_id);
      continue;
    }
    const { share, digest } = record;
    const binding = { parentId: set.id, fragmentId: ref.fragment_id, index: i + 1, threshold: set.threshold, share, digest };
    const ok = record.parentId === set.id && (await verifyShareMac(deps.secret, binding, record.mac));
    if (ok) sorted.valid.push({ ref, record });
    else sorted.tampered.push(ref.fragment_id);
  }
  return sorted;
}

function tooFew(set: FragmentSet, s: Sorted): ApiError {
  const available = s.valid.length;
  return new ApiError(
    "conflict",
    `${s.missing.length + s.tampered.length} of ${set.fragmentCount} fragments are missing or tampered; ` +
      `${set.threshold} are needed and ${available} remain`,
    {
      parent_id: set.id,
      threshold: set.threshold,
      fragment_count: set.fragmentCount,
      available,
      needed: set.threshold - available,
      missing: s.missing.length,
      missing_fragments: s.missing,
      tampered: s.tampered,
    },
  );
}

/**
 * One intact ciphertext copy is enough: every valid MAC vouches for the same digest, so the first
 * copy whose digest matches is the original. Copies that do not match are named as tampered.
 */
async function intactCiphertext(deps: FragmentDeps, s: Sorted) {
  const digest = s.valid[0]!.record.digest;
  for (const { ref } of s.valid) {
    const copy = await vaultOf(deps, ref.fragment_id).ciphertext();
    if (!copy) continue;
    if (bytesEqual(await ciphertextDigest(copy.iv, copy.ciphertext), digest)) return copy;
    s.tampered.push(ref.fragment_id);
  }
  return null;
}

/**
 * Rebuilds the key from `threshold` verified shares and opens the ciphertext. Fewer than the
 * threshold verified shares is a 409 that says how many are missing and which were tampered with;
 * a set found past its expiry (here or while reading) is 410.
 */
export async function reconstructData(deps: FragmentDeps, tenantId: string, parentId: string, now = Date.now()) {
  const set = await liveSet(deps.db, tenantId, parentId, now);
  const sorted = await sortShares(deps, set);
  if (sorted.valid.length < set.threshold) {
    if (Date.now() >= set.expiresAt) throw expired(set);
    throw tooFew(set, sorted);
  }
  const copy = await intactCiphertext(deps, sorted);
  if (!copy)
    throw new ApiError("conflict", "No fragment holds an intact copy of the ciphertext", {
      parent_id: set.id,
      tampered: sorted.tampered,
    });
  const key = await combineShares(sorted.valid.slice(0, set.threshold).map((v) => v.record.share));
  const data = await open(key, copy.iv, copy.ciphertext, set.id);
  key.fill(0);
  if (!data)
    throw new ApiError("conflict", "The reconstructed data failed its integrity check", {
      parent_id: set.id,
      integrity: "failed",
      tampered: sorted.tampered,
    });
  return {
    data: toBase64(data),
    integrity: "verified" as const,
    fragments_used: set.threshold,
    tampered_fragments: sorted.tampered,
  };
}
