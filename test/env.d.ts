import type { D1Migration } from "cloudflare:test";

// Test-only bindings added in vitest.config.ts; the Worker's own Env never sees them.
declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}
