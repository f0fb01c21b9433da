import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt } from "./columns";
import { tenantRef, USER_ROLES, users } from "./tenants";

/** One-time authorization codes for the command console; only the SHA-256 of a code is stored. */
export const authCodes = sqliteTable(
  "auth_codes",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    codeHash: text("code_hash").notNull(),
    role: text("role", { enum: USER_ROLES }).notNull(),
    userId: text("user_id").references(() => users.id, { onDelete: "cascade" }),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("auth_codes_hash_unique").on(t.codeHash)],
);

export const SESSION_KINDS = ["qecnet", "zeq"] as const;
export type SessionKind = (typeof SESSION_KINDS)[number];

/** Server-side rows behind the signed session cookies, so logout and revocation are real. */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    kind: text("kind", { enum: SESSION_KINDS }).notNull(),
    userId: text("user_id").references(() => users.id, { onDelete: "cascade" }),
    role: text("role", { enum: USER_ROLES }).notNull(),
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
    createdAt: createdAt(),
  },
  (t) => [index("sessions_tenant").on(t.tenantId), index("sessions_user").on(t.userId)],
);

/** A login's chain of refresh tokens; revoking the family ends every token and access token from it. */
export const tokenFamilies = sqliteTable(
  "token_families",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    revokedAt: integer("revoked_at"),
    revokedReason: text("revoked_reason"),
    createdAt: createdAt(),
  },
  // Signing a user out everywhere (disable_user, force_password_reset) finds their families by user.
  (t) => [index("token_families_user").on(t.userId)],
);

export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    id: text("id").primaryKey(),
    familyId: text("family_id")
      .notNull()
      .references(() => tokenFamilies.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("refresh_tokens_hash_unique").on(t.tokenHash), index("refresh_tokens_family").on(t.familyId)],
);

export const API_KEY_SCOPES = ["read", "write", "admin"] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
export const API_KEY_HEADERS = ["X-API-Key", "X-Zeq-SM-Key"] as const;
export type ApiKeyHeader = (typeof API_KEY_HEADERS)[number];

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    name: text("name").notNull(),
    header: text("header", { enum: API_KEY_HEADERS }).notNull(),
    /** The first characters of the key, shown in listings so a key can be recognised without storing it. */
    displayPrefix: text("display_prefix").notNull(),
    keyHash: text("key_hash").notNull(),
    scopes: text("scopes", { mode: "json" }).$type<ApiKeyScope[]>().notNull(),
    machine: text("machine"),
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("api_keys_hash_unique").on(t.keyHash), index("api_keys_tenant").on(t.tenantId)],
);

export const TIERS = ["free", "standard", "premium", "enterprise"] as const;
export type Tier = (typeof TIERS)[number];

/**
 * OAuth clients of the quantum defense API. The secret is stored twice, for two uses: a
 * SHA-256 hash to check client credentials, and AES-GCM ciphertext (key derived from
 * AUTH_SECRET) because verifying an HMAC request signature needs the secret itself.
 */
export const oauthClients = sqliteTable(
  "oauth_clients",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    secretHash: text("secret_hash").notNull(),
    secretCiphertext: text("secret_ciphertext").notNull(),
    tier: text("tier", { enum: TIERS }).notNull(),
    scopes: text("scopes", { mode: "json" }).$type<string[]>().notNull(),
    certFingerprint: text("cert_fingerprint"),
    revokedAt: integer("revoked_at"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("oauth_clients_cert_unique").on(t.certFingerprint), index("oauth_clients_tenant").on(t.tenantId)],
);
