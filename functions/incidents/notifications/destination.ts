import type { Database } from "../../platform/db";
import { slackUrl, type StoredChannels } from "./preferences";
import { loadProvider } from "./providers";
import type { Channel } from "./schemas";
import type { Destination } from "./send";

export type Resolved = { destination: Destination } | { skip: string };

const DESTINATION_FIELD = { email: "address", slack: "webhook_url", sms: "phone_number" } as const;

/**
 * Where one user's channel sends right now, or why it cannot. Resolved at send time, not when
 * the notification was queued, so a changed address or a disabled channel takes effect at once.
 */
export async function destinationFor(
  env: Env,
  db: Database,
  tenantId: string,
  channels: StoredChannels,
  channel: Channel,
): Promise<Resolved> {
  const c = channels[channel];
  if (!c.enabled) return { skip: `the ${channel} channel is not enabled in the user's preferences` };
  if (channel === "slack") {
    const url = await slackUrl(env, c);
    return url ? { destination: { channel, url } } : { skip: "no Slack webhook_url is set" };
  }
  const to = channel === "email" ? c.address : c.phone_number;
  if (!to) return { skip: `no ${DESTINATION_FIELD[channel]} is set for the ${channel} channel` };
  const provider = await loadProvider(env, db, tenantId, channel);
  if (!provider) return { skip: `no ${channel} provider is configured for this tenant` };
  return { destination: { channel, to, ...provider } };
}
