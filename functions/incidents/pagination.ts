import { count, type SQL } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Database } from "../platform/db";

/** The incident-response seed's pagination meta. */
export function pagination(page: number, perPage: number, total: number) {
  const pages = Math.ceil(total / perPage);
  return { page, per_page: perPage, total, pages, has_next: page < pages, has_prev: page > 1 };
}

/** One page of a table's rows and the total its filter matches, read in one D1 batch. */
export async function pageOf<T extends SQLiteTable>(
  db: Database,
  table: T,
  where: SQL | undefined,
  orderBy: SQL[],
  q: { page: number; per_page: number },
) {
  const [rows, [total]] = await db.batch([
    db
      .select()
      .from(table as SQLiteTable)
      .where(where)
      .orderBy(...orderBy)
      .limit(q.per_page)
      .offset((q.page - 1) * q.per_page),
    db
      .select({ n: count() })
      .from(table as SQLiteTable)
      .where(where),
  ]);
  return { rows: rows as T["$inferSelect"][], pagination: pagination(q.page, q.per_page, total?.n ?? 0) };
}
