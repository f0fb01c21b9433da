/**
 * Temporal fragmentation: a secret is encrypted under a fresh AES-256-GCM key, the key is split
 * into `fragment_count` Shamir shares (any `threshold` of them rebuild it, fewer reveal nothing),
 * and each share lives in its own FragmentVault Durable Object until an alarm destroys it.
 *
 * Every fragment also holds a copy of the ciphertext, so any `threshold` surviving fragments are
 * enough to reconstruct: the ciphertext is replicated, the secrecy lies in the key shares.
 * D1 (`fragment_sets`) records only where the fragments are, never a share or the key.
 */

/**
 * Decoded `data` is capped at 1 MiB so each fragment's ciphertext copy fits one Durable Object SQLite
 * row (2 MB). The platform's 1 MiB request-body limit is reached first today (about 768 KiB decoded).
 */
export const MAX_DATA_BYTES = 1024 * 1024;
export const MIN_FRAGMENTS = 2;
export const MAX_FRAGMENTS = 16;
/** Shamir with a threshold of 1 would hand the whole key to every fragment. */
export const MIN_THRESHOLD = 2;
export const MIN_LIFETIME_MS = 100;
/** No fragment outlives this from now, whether set at creation or reached by extensions. */
export const MAX_LIFETIME_MS = 30 * 86_400_000;

/**
 * Durable Object location hints: `geographic` places fragments round-robin across these (from a
 * random start), so a set of up to nine fragments lands in nine regions. A hint only applies when
 * the object is first created, which is exactly when a fragment is stored.
 */
export const LOCATION_HINTS = ["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"] as const;
export type LocationHint = (typeof LOCATION_HINTS)[number];
export const LOCAL_LOCATION = "local";

export const DISTRIBUTIONS = ["geographic", "local"] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

/** What a fragment's Durable Object is given to keep. */
export interface StoredFragment {
  parentId: string;
  tenantId: string;
  /** 1-based position in the set; part of what the MAC binds. */
  index: number;
  share: Uint8Array;
  /** HMAC-SHA-256 over the parent, fragment, index, threshold, share and ciphertext digest. */
  mac: Uint8Array;
  /** SHA-256 of iv ‖ ciphertext, as it was when the set was made. */
  digest: Uint8Array;
  iv: Uint8Array;
  ciphertext: Uint8Array;
  expiresAt: number;
}

/** A fragment's share and its proof, read without the (possibly large) ciphertext. */
export type ShareRecord = Pick<StoredFragment, "parentId" | "index" | "share" | "mac" | "digest" | "expiresAt">;

export type CiphertextRecord = Pick<StoredFragment, "iv" | "ciphertext">;

export interface FragmentRef {
  fragment_id: string;
  location: string;
}
