import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt } from "./columns";
import { tenantRef } from "./tenants";

export const CANARY_ZONES = ["edge", "core", "cloud", "dmz"] as const;
export type CanaryZone = (typeof CANARY_ZONES)[number];
export const CANARY_STATUSES = ["active", "collapsed"] as const;

/**
 * A canary token: a real tripwire (an unguessable monitoring URL and a decoy API-key-shaped
 * credential, looked up by their SHA-256) carrying a labelled simulation of a BB84 / Bell-pair
 * state. `secrets_ciphertext` holds the URL token and decoy (AES-GCM under AUTH_SECRET) so the
 * owner can be shown them again; expiry is `expires_at`, after which hits no longer alert.
 */
export const canaryTokens = sqliteTable(
  "canary_tokens",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    zone: text("zone", { enum: CANARY_ZONES }).notNull(),
    numQubits: integer("num_qubits").notNull(),
    entanglementPairs: integer("entanglement_pairs").notNull(),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    /** The simulated preparation (bits, bases, Bell pairs) and the last check's QBER and CHSH S. */
    simulation: text("simulation", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    status: text("status", { enum: CANARY_STATUSES }).notNull().default("active"),
    monitorHash: text("monitor_hash").notNull(),
    decoyHash: text("decoy_hash").notNull(),
    secretsCiphertext: text("secrets_ciphertext").notNull(),
    hits: integer("hits").notNull().default(0),
    /** Hits recorded but not alerted on, since the last alert (alerts are throttled, hits never dropped). */
    suppressedHits: integer("suppressed_hits").notNull().default(0),
    lastHitAt: integer("last_hit_at"),
    lastAlertAt: integer("last_alert_at"),
    createdAt: createdAt(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [
    uniqueIndex("canary_tokens_monitor").on(t.monitorHash),
    uniqueIndex("canary_tokens_decoy").on(t.decoyHash),
    index("canary_tokens_tenant").on(t.tenantId, t.createdAt),
  ],
);

export const CANARY_CHANNELS = ["monitoring_url", "decoy_credential", "collapse_test"] as const;

/** Every touch of a canary: who, from where, how, and whether it raised an alert. */
export const canaryHits = sqliteTable(
  "canary_hits",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    tenantId: tenantRef(),
    tokenId: text("token_id")
      .notNull()
      .references(() => canaryTokens.id, { onDelete: "cascade" }),
    at: integer("at").notNull(),
    channel: text("channel", { enum: CANARY_CHANNELS }).notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
    country: text("country"),
    detail: text("detail"),
    alerted: integer("alerted", { mode: "boolean" }).notNull(),
  },
  (t) => [index("canary_hits_token").on(t.tokenId, t.at)],
);

/**
 * The tenant's crypto inventory: every asset `POST /v3/quantum/detection/analyze` found, keyed by
 * the SHA-256 of its public material, with the verdict and the facts it rests on.
 */
export const cryptoAssets = sqliteTable(
  "crypto_assets",
  {
    tenantId: tenantRef(),
    fingerprint: text("fingerprint").notNull(),
    kind: text("kind").notNull(),
    algorithm: text("algorithm").notNull(),
    keyBits: integer("key_bits"),
    curve: text("curve"),
    subject: text("subject"),
    notAfter: integer("not_after"),
    quantumVulnerable: integer("quantum_vulnerable", { mode: "boolean" }).notNull(),
    verdict: text("verdict").notNull(),
    details: text("details", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    firstSeen: integer("first_seen").notNull(),
    lastSeen: integer("last_seen").notNull(),
    timesSeen: integer("times_seen").notNull().default(1),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.fingerprint] }), index("crypto_assets_verdict").on(t.tenantId, t.verdict)],
);

export const FRAGMENT_SET_STATUSES = ["active", "expired"] as const;

/**
 * A fragmented secret: the parent record of `fragment_count` shares, each held by its own
 * Durable Object until `expires_at`. D1 keeps only where the fragments are, never a share.
 */
export const fragmentSets = sqliteTable(
  "fragment_sets",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    fragmentCount: integer("fragment_count").notNull(),
    threshold: integer("threshold").notNull(),
    redundancy: integer("redundancy").notNull(),
    distribution: text("distribution", { enum: ["geographic", "local"] }).notNull(),
    byteLength: integer("byte_length").notNull(),
    fragments: text("fragments", { mode: "json" }).$type<{ fragment_id: string; location: string }[]>().notNull(),
    status: text("status", { enum: FRAGMENT_SET_STATUSES }).notNull().default("active"),
    createdAt: createdAt(),
    expiresAt: integer("expires_at").notNull(),
    expiredAt: integer("expired_at"),
  },
  (t) => [index("fragment_sets_tenant").on(t.tenantId, t.createdAt), index("fragment_sets_due").on(t.status, t.expiresAt)],
);
