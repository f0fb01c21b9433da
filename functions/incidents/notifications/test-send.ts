import { notifications } from "../../../schema";
import type { Database } from "../../platform/db";
import { conflict } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { destinationFor } from "./destination";
import { channelsOf, loadPreferences } from "./preferences";
import type { Channel } from "./schemas";
import { send } from "./send";

/** Test notifications are logged with this severity, apart from the four incident severities. */
export const TEST_SEVERITY = "TEST";

/**
 * POST /notifications/test: one synchronous send through the caller's own channel, answered with
 * what the provider said. Quiet hours and the channel's severities do not apply: the user asked
 * for this message now. A channel that cannot send (not enabled, no destination, no provider) is a
 * 409 CONFLICT naming why; a provider that refuses is still a report, so the caller gets a 200
 * with delivered:false and the provider's status and answer.
 */
export async function sendTest(
  env: Env,
  db: Database,
  user: { tenantId: string; userId: string },
  channel: Channel,
  text: string,
) {
  const prefs = await loadPreferences(db, user.userId);
  const resolved = await destinationFor(env, db, user.tenantId, channelsOf(prefs), channel);
  if ("skip" in resolved) throw conflict(`Cannot send a test ${channel} notification: ${resolved.skip}`, { channel });
  const message = { subject: "Vigil test notification", body: text, severity: TEST_SEVERITY };
  const outcome = await send(env, resolved.destination, message);
  const delivered = outcome.verdict === "sent";
  const id = newId("ntf");
  const now = Date.now();
  await db.insert(notifications).values({
    id,
    tenantId: user.tenantId,
    userId: user.userId,
    channel,
    ...message,
    status: delivered ? "sent" : "failed",
    reason: delivered ? null : `${outcome.status ?? "no answer"}: ${outcome.response}`.slice(0, 500),
    providerStatus: outcome.status,
    attempts: 1,
    createdAt: now,
    sentAt: delivered ? now : null,
  });
  return { channel, delivered, provider_status: outcome.status, provider_response: outcome.response, notification_id: id };
}
