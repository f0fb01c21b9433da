import type { D1Migration } from "cloudflare:test";

// Test-only bindings added in vitest.config.ts; the Worker's own Env never sees them.
declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      /** Empty when redis-server is not installed (outside CI). */
      TEST_UPSTASH_URL: string;
      TEST_UPSTASH_TOKEN: string;
      TEST_RECEIVER_URL: string;
      /** The reliability suite's fuzzing budget and seed (FUZZ_RUNS, FUZZ_SEED in the environment). */
      TEST_FUZZ_RUNS: string;
      TEST_FUZZ_SEED: string;
    }
  }
}
