import { and, desc, eq } from "drizzle-orm";
import { notifications } from "../../../schema";
import type { Database } from "../../platform/db";
import { isoTime } from "../../platform/time";
import { pageOf } from "../pagination";
import type { Channel } from "./schemas";

type Notification = typeof notifications.$inferSelect;

export interface HistoryQuery {
  status?: Notification["status"];
  channel?: Channel;
  page: number;
  per_page: number;
}

export const notificationView = (n: Notification) => ({
  id: n.id,
  user_id: n.userId,
  channel: n.channel,
  subject: n.subject,
  body: n.body,
  severity: n.severity,
  status: n.status,
  reason: n.reason,
  provider_status: n.providerStatus,
  attempts: n.attempts,
  created_at: isoTime(n.createdAt),
  sent_at: isoTime(n.sentAt),
});

/** The tenant's notification log, newest first (the notifications_tenant index serves both queries). */
export async function listNotifications(db: Database, tenantId: string, q: HistoryQuery) {
  const where = and(
    eq(notifications.tenantId, tenantId),
    q.status ? eq(notifications.status, q.status) : undefined,
    q.channel ? eq(notifications.channel, q.channel) : undefined,
  );
  const page = await pageOf(db, notifications, where, [desc(notifications.createdAt), desc(notifications.id)], q);
  return { notifications: page.rows.map(notificationView), pagination: page.pagination };
}
