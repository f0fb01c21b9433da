/**
 * Which `RateLimiter` object decides for a caller under a policy. Callers are spread over a fixed
 * number of objects per policy by a stable hash, so every decision for one caller is still serial
 * in one object (no global lock), while the number of objects stays bounded and they stay warm:
 * one object per caller meant a cold object (and a sweep alarm) for every new IP or key.
 */
export const SHARDS_PER_POLICY = 64;

/** FNV-1a over the identifier. */
function shardOf(identifier: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < identifier.length; i++) h = Math.imul(h ^ identifier.charCodeAt(i), 0x01000193);
  return (h >>> 0) % SHARDS_PER_POLICY;
}

export const shardName = (policyId: string, identifier: string) => `${policyId}:shard:${shardOf(identifier)}`;
