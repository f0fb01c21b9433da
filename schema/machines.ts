import { index, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt } from "./columns";
import { tenantRef, users } from "./tenants";

export const MACHINE_VISIBILITIES = ["public", "private"] as const;
export type MachineVisibility = (typeof MACHINE_VISIBILITIES)[number];

/**
 * The agent-claims registry: which machines exist, whose they are and who may read them. A
 * machine's devices, claims, audit chain and subscriptions live in its own Durable Object;
 * D1 keeps only this row. Slugs name machines in every URL without a tenant, so they are
 * globally unique.
 */
export const machines = sqliteTable(
  "machines",
  {
    slug: text("slug").primaryKey(),
    tenantId: tenantRef(),
    ownerUserId: text("owner_user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    visibility: text("visibility", { enum: MACHINE_VISIBILITIES }).notNull().default("private"),
    /** The fire threshold θ for this machine's claims. */
    theta: real("theta").notNull().default(0.85),
    createdAt: createdAt(),
  },
  (t) => [index("machines_tenant").on(t.tenantId), index("machines_owner").on(t.ownerUserId)],
);
