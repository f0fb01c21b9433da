import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// Runs before each test file: the same migration files wrangler applies, from zero.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
