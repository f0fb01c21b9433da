import { drizzle } from "drizzle-orm/d1";
import * as schema from "../../schema";

/** A drizzle handle over the D1 binding; cheap to create, so each request makes its own. */
export const database = (d1: D1Database) => drizzle(d1, { schema });

export type Database = ReturnType<typeof database>;

/** True when a D1 failure (possibly wrapped by drizzle) is a UNIQUE constraint violation. */
export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e.message.includes("UNIQUE constraint failed")) return true;
  }
  return false;
}
