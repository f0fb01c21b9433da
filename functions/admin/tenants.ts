import { asc, eq } from "drizzle-orm";
import { tenants, users, type TenantMode, type UserRole } from "../../schema";
import { auditInsert, type Actor } from "../platform/audit";
import { isUniqueViolation, type Database } from "../platform/db";
import { conflict, notFound } from "../platform/errors";
import { newId } from "../platform/ids";
import { hashPassword } from "../platform/passwords";

export interface TenantView {
  id: string;
  name: string;
  mode: TenantMode;
  event_retention_days: number;
  graphql_introspection: boolean;
  created_at: string;
}

const view = (row: typeof tenants.$inferSelect): TenantView => ({
  id: row.id,
  name: row.name,
  mode: row.mode,
  event_retention_days: row.eventRetentionDays,
  graphql_introspection: row.graphqlIntrospection,
  created_at: new Date(row.createdAt).toISOString(),
});

export interface TenantChanges {
  mode?: TenantMode;
  event_retention_days?: number;
  graphql_introspection?: boolean;
}

/** Changes a tenant's settings and audits the change in the same batch. */
export async function updateTenant(db: Database, tenantId: string, changes: TenantChanges, actor: Actor): Promise<TenantView> {
  await requireTenant(db, tenantId);
  const [updated] = await db.batch([
    db
      .update(tenants)
      .set({
        mode: changes.mode,
        eventRetentionDays: changes.event_retention_days,
        graphqlIntrospection: changes.graphql_introspection,
      })
      .where(eq(tenants.id, tenantId))
      .returning(),
    auditInsert(db, {
      tenantId,
      actor: actor.name,
      action: "tenant.update",
      target: tenantId,
      requestId: actor.requestId,
      details: { ...changes },
    }),
  ]);
  return view(updated[0]!);
}

export async function createTenant(db: Database, name: string, actor: Actor): Promise<TenantView> {
  const id = newId("ten");
  try {
    const [inserted] = await db.batch([
      db.insert(tenants).values({ id, name }).returning(),
      auditInsert(db, {
        tenantId: id,
        actor: actor.name,
        action: "tenant.create",
        target: id,
        requestId: actor.requestId,
        details: { name },
      }),
    ]);
    return view(inserted[0]!);
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`A tenant named '${name}' already exists`, { name });
    throw err;
  }
}

export async function listTenants(db: Database): Promise<TenantView[]> {
  const rows = await db.select().from(tenants).orderBy(asc(tenants.createdAt), asc(tenants.id));
  return rows.map(view);
}

export interface NewUser {
  username: string;
  password: string;
  role: UserRole;
}

export async function createUser(db: Database, tenantId: string, input: NewUser, actor: Actor) {
  await requireTenant(db, tenantId);
  const id = newId("usr");
  const passwordHash = await hashPassword(input.password);
  try {
    await db.batch([
      db.insert(users).values({ id, tenantId, username: input.username, passwordHash, role: input.role }),
      auditInsert(db, {
        tenantId,
        actor: actor.name,
        action: "user.create",
        target: id,
        requestId: actor.requestId,
        details: { username: input.username, role: input.role },
      }),
    ]);
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`User '${input.username}' already exists`, { username: input.username });
    throw err;
  }
  return { id, tenant_id: tenantId, username: input.username, role: input.role };
}

export async function requireTenant(db: Database, tenantId: string): Promise<void> {
  const tenant = await db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId)).get();
  if (!tenant) throw notFound("Tenant", { tenant_id: tenantId });
}
