import type { FixedWindow } from "./algorithms";
import type { LimitOutcome } from "./backends";
import type { Policy } from "./policies";
import { shardName } from "./shards";

type LimiterNamespace = DurableObjectNamespace<import("../../../durable-objects/rate-limiter").RateLimiter>;

/**
 * Reads under a fixed-window, fail-open policy are counted without a round trip: the isolate
 * decides from its own view (the window's total last confirmed by the limiter object, plus what
 * it has served since), serves, and sends its counts in batches about every 50 ms, one call per
 * shard (see shards.ts) for all its callers at once. Within an isolate the limit is exact; across isolates a caller
 * can overshoot by what the others served in one flush interval. Counts still unsent when an
 * isolate dies are lost, which fail-open reads accept. Writes and credentials never come here.
 */
const FLUSH_MS = 50;
const VIEWS_MAX = 50_000;

interface View {
  bucket: number;
  confirmed: number;
  unsent: number;
}
interface Batch {
  namespace: LimiterNamespace;
  shard: string;
  algorithm: FixedWindow;
  policyId: string;
  bucket: number;
  counts: Map<string, number>;
}

const views = new Map<string, View>();
const batches = new Map<string, Batch>();
let flushing: Promise<void> | null = null;

function viewFor(key: string, bucket: number): View {
  let view = views.get(key);
  if (!view || view.bucket !== bucket) {
    if (views.size >= VIEWS_MAX) views.delete(views.keys().next().value!);
    view = { bucket, confirmed: 0, unsent: 0 };
    views.set(key, view);
  }
  return view;
}

async function flush(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, FLUSH_MS));
  flushing = null;
  const due = [...batches];
  batches.clear();
  await Promise.all(
    due.map(async ([, b]) => {
      const counts = [...b.counts];
      try {
        const totals = await b.namespace.getByName(b.shard).addMany(b.algorithm, b.bucket, counts);
        for (const [identifier, n] of counts) {
          const view = views.get(`${b.policyId}:${identifier}`);
          if (view?.bucket !== b.bucket) continue;
          view.unsent -= n;
          // The object's total may already include a batch still in flight: erring strict until it lands.
          view.confirmed = Math.max(view.confirmed, totals[identifier] ?? 0);
        }
      } catch {
        // Lost counts only make the view stricter than the object: it still counts them locally.
      }
    }),
  );
}

export function countRead(namespace: LimiterNamespace, policy: Policy, algorithm: FixedWindow, identifier: string): LimitOutcome {
  const now = Date.now();
  const bucket = Math.floor(now / algorithm.windowMs);
  const reset = (bucket + 1) * algorithm.windowMs;
  const view = viewFor(`${policy.id}:${identifier}`, bucket);
  const used = view.confirmed + view.unsent;
  if (used >= algorithm.limit) return { success: false, limit: algorithm.limit, remaining: 0, reset };
  view.unsent++;
  const shard = shardName(policy.id, identifier);
  const key = `${shard}:${bucket}`;
  let batch = batches.get(key);
  if (!batch) {
    batch = { namespace, shard, algorithm, policyId: policy.id, bucket, counts: new Map() };
    batches.set(key, batch);
  }
  batch.counts.set(identifier, (batch.counts.get(identifier) ?? 0) + 1);
  // Only the request that starts a flush carries it to waitUntil; the rest ride along.
  const pending = flushing ? undefined : (flushing = flush());
  return { success: true, limit: algorithm.limit, remaining: algorithm.limit - used - 1, reset, pending };
}
