import { drizzle } from "drizzle-orm/d1";
import * as schema from "../../schema";

const make = (d1: D1Database) => drizzle(d1, { schema });
export type Database = ReturnType<typeof make>;

/** Building a drizzle handle walks the whole schema, so each binding gets one handle per isolate. */
const handles = new WeakMap<D1Database, Database>();

export function database(d1: D1Database): Database {
  let db = handles.get(d1);
  if (!db) {
    db = make(d1);
    handles.set(d1, db);
  }
  return db;
}

/** True when a D1 failure (possibly wrapped by drizzle) is a UNIQUE constraint violation. */
export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e.message.includes("UNIQUE constraint failed")) return true;
  }
  return false;
}

/** D1 binds at most 100 parameters per statement: multi-row inserts and IN lists are split to stay under it. */
export const MAX_BOUND_PARAMS = 100;

export function chunked<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs `query` over `ids` in IN-list chunks that fit the parameter limit (leaving room for `reserved` others). */
export async function selectInChunks<I, R>(ids: readonly I[], query: (part: I[]) => Promise<R[]>, reserved = 10): Promise<R[]> {
  const parts = chunked(ids, MAX_BOUND_PARAMS - reserved);
  return (await Promise.all(parts.map(query))).flat();
}
