import { mkdirSync } from "node:fs";
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  // wrangler.toml serves the console from dist/console; the API tests never read it, but the
  // directory must exist before the console has been built (`npm run console:build`).
  mkdirSync(path.join(import.meta.dirname, "dist/console"), { recursive: true });
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "schema/migrations"));
  return {
    plugins: [
      cloudflareTest(({ inject }) => ({
        main: "./functions/index.ts",
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            // The real redis-server behind the Upstash REST bridge (test/node/global-setup.mjs).
            TEST_UPSTASH_URL: inject("upstashUrl" as never) as string,
            TEST_UPSTASH_TOKEN: inject("upstashToken" as never) as string,
            // A real HTTP receiver for webhook deliveries (test/node/webhook-receiver.mjs).
            TEST_RECEIVER_URL: inject("receiverUrl" as never) as string,
            TEST_FUZZ_RUNS: process.env.FUZZ_RUNS ?? "",
            TEST_FUZZ_SEED: process.env.FUZZ_SEED ?? "",
            ADMIN_TOKEN: "test-admin-token-0123456789abcdef",
            AUTH_SECRET: "test-auth-secret-for-key-derivation-only",
            ENVIRONMENT: "development",
            LOG_LEVEL: "warn",
            // The embedded limiter unless a test opts into Upstash.
            UPSTASH_REDIS_REST_URL: "",
            UPSTASH_REDIS_REST_TOKEN: "",
          },
        },
      })),
    ],
    test: {
      // `npm run test:reliability` (VIGIL_SUITE=reliability) runs test/reliability; `vitest run` the rest.
      include: process.env.VIGIL_SUITE === "reliability" ? ["test/reliability/**/*.test.ts"] : ["test/**/*.test.ts"],
      exclude: process.env.VIGIL_SUITE === "reliability" ? [] : ["test/reliability/**"],
      reporters: process.env.VIGIL_SUITE === "reliability" ? ["default", "./test/reliability/summary-reporter.ts"] : ["default"],
      // Some tests wait out a rate-limit window boundary (up to 10 s) or an asynchronous queue.
      testTimeout: 30_000,
      hookTimeout: 30_000,
      globalSetup: ["./test/node/global-setup.mjs"],
      setupFiles: ["./test/apply-migrations.ts"],
    },
  };
});
