import { eq } from "drizzle-orm";
import { INCIDENT_SEVERITIES, notificationPreferences, type IncidentSeverity } from "../../../schema";
import { decryptText, encryptText } from "../../platform/auth/keys";
import type { Database } from "../../platform/db";
import { isoTime } from "../../platform/time";
import type { QuietHours } from "./quiet-hours";
import { CHANNELS, type Channel, type PreferencesInput } from "./schemas";
import { checkOutboundUrl } from "./send";

/**
 * One channel as stored. The Slack webhook URL is a credential (anyone holding it can post to the
 * channel), so only its ciphertext and a masked form (scheme and host) are kept.
 */
export interface StoredChannel {
  enabled: boolean;
  severities: IncidentSeverity[];
  address?: string | null;
  phone_number?: string | null;
  webhook_url_ciphertext?: string | null;
  webhook_url_masked?: string | null;
}

export type StoredChannels = Record<Channel, StoredChannel>;
export type PreferencesRow = typeof notificationPreferences.$inferSelect;

const DISABLED: StoredChannel = { enabled: false, severities: [...INCIDENT_SEVERITIES] };

export const maskUrl = (url: URL) => `${url.protocol}//${url.host}/••••`;

export const channelsOf = (row: PreferencesRow | null): StoredChannels => {
  const stored = (row?.channels ?? {}) as Partial<StoredChannels>;
  return Object.fromEntries(CHANNELS.map((c) => [c, stored[c] ?? DISABLED])) as StoredChannels;
};

export const quietHoursOf = (row: PreferencesRow | null): QuietHours | null => (row?.quietHours as QuietHours | null) ?? null;

export async function loadPreferences(db: Database, userId: string): Promise<PreferencesRow | null> {
  return (await db.select().from(notificationPreferences).where(eq(notificationPreferences.userId, userId)).get()) ?? null;
}

async function storeChannels(env: Env, input: PreferencesInput["channels"]): Promise<StoredChannels> {
  const { email, slack, sms } = input;
  const base = (c?: { enabled: boolean; severities?: IncidentSeverity[] }) => ({
    enabled: c?.enabled ?? false,
    severities: [...new Set(c?.severities ?? INCIDENT_SEVERITIES)],
  });
  let slackStored: Pick<StoredChannel, "webhook_url_ciphertext" | "webhook_url_masked"> = {};
  if (slack?.webhook_url) {
    const url = checkOutboundUrl(slack.webhook_url, env, "channels.slack.webhook_url");
    slackStored = {
      webhook_url_ciphertext: await encryptText(env.AUTH_SECRET, slack.webhook_url),
      webhook_url_masked: maskUrl(url),
    };
  }
  return {
    email: { ...base(email), address: email?.address ?? null },
    slack: { ...base(slack), ...slackStored },
    sms: { ...base(sms), phone_number: sms?.phone_number ?? null },
  };
}

/** PUT semantics: the document replaces the user's previous one whole (an omitted channel is disabled). */
export async function savePreferences(
  env: Env,
  db: Database,
  user: { tenantId: string; userId: string },
  input: PreferencesInput,
): Promise<PreferencesRow> {
  const row = {
    userId: user.userId,
    tenantId: user.tenantId,
    channels: (await storeChannels(env, input.channels)) as unknown as Record<string, unknown>,
    quietHours: input.quiet_hours?.enabled ? { ...input.quiet_hours } : null,
    teams: [...new Set(input.teams ?? [])],
    updatedAt: Date.now(),
  };
  const [saved] = await db
    .insert(notificationPreferences)
    .values(row)
    .onConflictDoUpdate({ target: notificationPreferences.userId, set: row })
    .returning();
  return saved!;
}

export const slackUrl = (env: Env, c: StoredChannel) =>
  c.webhook_url_ciphertext ? decryptText(env.AUTH_SECRET, c.webhook_url_ciphertext) : Promise.resolve(null);

/** What GET shows: defaults (everything off) when the user never saved any, the Slack URL masked. */
export function preferencesView(row: PreferencesRow | null) {
  const c = channelsOf(row);
  const q = quietHoursOf(row);
  const common = (ch: StoredChannel) => ({ enabled: ch.enabled, severities: ch.severities });
  return {
    channels: {
      email: { ...common(c.email), address: c.email.address ?? null },
      slack: { ...common(c.slack), webhook_url: c.slack.webhook_url_masked ?? null },
      sms: { ...common(c.sms), phone_number: c.sms.phone_number ?? null },
    },
    quiet_hours: {
      enabled: q?.enabled ?? false,
      start: q?.start ?? null,
      end: q?.end ?? null,
      timezone: q?.timezone ?? null,
    },
    teams: row?.teams ?? [],
    updated_at: row ? isoTime(row.updatedAt) : null,
  };
}
