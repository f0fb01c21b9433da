import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt } from "./columns";

export const TENANT_MODES = ["live", "simulation"] as const;
export type TenantMode = (typeof TENANT_MODES)[number];

export const tenants = sqliteTable(
  "tenants",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** "simulation" makes the tenant's hub generate realistic threat events (the demo tenant starts so). */
    mode: text("mode", { enum: TENANT_MODES }).notNull().default("live"),
    /** Security events older than this are deleted by the cron trigger. */
    eventRetentionDays: integer("event_retention_days").notNull().default(30),
    /** Whether the GraphQL endpoint (/v3/graphql) answers introspection queries; on unless an admin turns it off. */
    graphqlIntrospection: integer("graphql_introspection", { mode: "boolean" }).notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("tenants_name_unique").on(t.name)],
);

export const USER_ROLES = ["viewer", "analyst", "responder", "admin"] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    username: text("username").notNull(),
    /** `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`; never the password itself. */
    passwordHash: text("password_hash").notNull(),
    role: text("role", { enum: USER_ROLES }).notNull(),
    /** Set by the disable_user remediation: sign-in and every credential of the user stop working. */
    disabledAt: integer("disabled_at"),
    /** Set by force_password_reset: sign-in is refused until an admin sets a new password. */
    passwordResetRequired: integer("password_reset_required", { mode: "boolean" }).notNull().default(false),
    createdAt: createdAt(),
  },
  // Usernames are global (stored lowercased) because the incident-response login names no tenant.
  (t) => [uniqueIndex("users_username_unique").on(t.username), index("users_tenant").on(t.tenantId)],
);

/** The tenant column every tenant-owned table carries; deleting a tenant deletes its rows. */
export const tenantRef = () =>
  text("tenant_id")
    .notNull()
    .references(() => tenants.id, { onDelete: "cascade" });
