import { z } from "@hono/zod-openapi";

/** Shared by every /admin route: who may call it, and how a tenant id looks in a path. */
export const adminCommon = { tags: ["Admin"], security: [{ AdminBearer: [] }] };
export const tenantIdSchema = z.string().regex(/^ten_[0-9a-f]{32}$/, "must be a tenant id (ten_…)");
export const TenantIdParam = z.object({ tenantId: tenantIdSchema });
