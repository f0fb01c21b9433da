import { z } from "@hono/zod-openapi";
import { INCIDENT_SEVERITIES, NOTIFICATION_STATUSES } from "../../../schema";
import { HH_MM, isTimeZone } from "./quiet-hours";

export const CHANNELS = ["email", "slack", "sms"] as const;
export type Channel = (typeof CHANNELS)[number];

const severities = z
  .array(z.enum(INCIDENT_SEVERITIES))
  .min(1)
  .max(4)
  .optional()
  .openapi({ description: "Severities this channel receives; default all four" });

const E164 = /^\+[1-9]\d{6,14}$/;

const EmailIn = z.object({ enabled: z.boolean(), address: z.email().max(254).optional(), severities });
const SlackIn = z.object({
  enabled: z.boolean(),
  webhook_url: z.string().max(2048).optional().openapi({ description: "A Slack incoming-webhook URL (stored encrypted)" }),
  severities,
});
const SmsIn = z.object({
  enabled: z.boolean(),
  phone_number: z.string().regex(E164, "an E.164 number such as +15551234567").optional(),
  severities,
});
const QuietIn = z.object({
  enabled: z.boolean(),
  start: z.string().regex(HH_MM, "a time HH:MM (24-hour)").optional().openapi({ example: "22:00" }),
  end: z.string().regex(HH_MM, "a time HH:MM (24-hour)").optional().openapi({ example: "08:00" }),
  timezone: z.string().max(100).optional().openapi({ example: "America/New_York", description: "An IANA time zone" }),
});

const REQUIRED: Record<Channel, string> = { email: "address", slack: "webhook_url", sms: "phone_number" };

/** The seed's document, plus `teams`. Cross-field rules (an enabled channel needs its destination) live here. */
export const PreferencesInput = z
  .object({
    channels: z.object({ email: EmailIn.optional(), slack: SlackIn.optional(), sms: SmsIn.optional() }),
    quiet_hours: QuietIn.optional(),
    teams: z
      .array(z.string().trim().toLowerCase().min(1).max(200))
      .max(50)
      .optional()
      .openapi({ description: "Notification lists this user receives (a rule's actions.notify names lists or usernames)" }),
  })
  .superRefine((b, ctx) => {
    for (const channel of CHANNELS) {
      const c = b.channels[channel] as Record<string, unknown> | undefined;
      const field = REQUIRED[channel];
      if (c?.enabled && !c[field])
        ctx.addIssue({
          code: "custom",
          path: ["channels", channel, field],
          message: `An enabled ${channel} channel needs ${field}`,
        });
    }
    const q = b.quiet_hours;
    if (!q?.enabled) return;
    for (const field of ["start", "end", "timezone"] as const)
      if (!q[field]) ctx.addIssue({ code: "custom", path: ["quiet_hours", field], message: `Enabled quiet hours need ${field}` });
    if (q.timezone && !isTimeZone(q.timezone))
      ctx.addIssue({ code: "custom", path: ["quiet_hours", "timezone"], message: `'${q.timezone}' is not an IANA time zone` });
    if (q.start && q.start === q.end)
      ctx.addIssue({ code: "custom", path: ["quiet_hours", "end"], message: "start and end must differ" });
  })
  .openapi("NotificationPreferencesInput");
export type PreferencesInput = z.infer<typeof PreferencesInput>;

const channelOut = <T extends z.ZodRawShape>(shape: T) =>
  z.object({ enabled: z.boolean(), severities: z.array(z.enum(INCIDENT_SEVERITIES)), ...shape });

export const PreferencesView = z
  .object({
    channels: z.object({
      email: channelOut({ address: z.string().nullable() }),
      slack: channelOut({ webhook_url: z.string().nullable().openapi({ description: "Masked: scheme and host only" }) }),
      sms: channelOut({ phone_number: z.string().nullable() }),
    }),
    quiet_hours: z.object({
      enabled: z.boolean(),
      start: z.string().nullable(),
      end: z.string().nullable(),
      timezone: z.string().nullable(),
    }),
    teams: z.array(z.string()),
    updated_at: z.string().nullable(),
  })
  .openapi("NotificationPreferences");

const Relay = z.object({ base_url: z.string().max(2048), token: z.string().min(1).max(4096) });

export const ProvidersInput = z
  .object({ email: Relay.nullable().optional(), sms: Relay.nullable().optional() })
  .refine((b) => b.email !== undefined || b.sms !== undefined, "Name email, sms or both")
  .openapi("NotificationProvidersInput");
export type ProvidersInput = z.infer<typeof ProvidersInput>;

const RelayView = z.object({ configured: z.boolean(), base_url: z.string().nullable(), updated_at: z.string().nullable() });
export const ProvidersView = z.object({ email: RelayView, sms: RelayView }).openapi("NotificationProviders");

export const TestInput = z
  .object({ channel: z.enum(CHANNELS), message: z.string().trim().min(1).max(2000) })
  .openapi("NotificationTestInput");

export const TestResult = z
  .object({
    channel: z.enum(CHANNELS),
    delivered: z.boolean(),
    provider_status: z.number().int().nullable(),
    provider_response: z.string().openapi({ description: "The provider's answer (first 500 characters), or the network error" }),
    notification_id: z.string(),
  })
  .openapi("NotificationTestResult");

export const NotificationSchema = z
  .object({
    id: z.string(),
    user_id: z.string().nullable(),
    channel: z.enum(CHANNELS),
    subject: z.string(),
    body: z.string(),
    severity: z.string(),
    status: z.enum(NOTIFICATION_STATUSES),
    reason: z.string().nullable(),
    provider_status: z.number().int().nullable(),
    attempts: z.number().int(),
    created_at: z.string(),
    sent_at: z.string().nullable(),
  })
  .openapi("Notification");

export const NotificationListQuery = z.object({
  status: z.enum(NOTIFICATION_STATUSES).optional(),
  channel: z.enum(CHANNELS).optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  per_page: z.coerce.number().int().min(1).max(100).default(20),
});
