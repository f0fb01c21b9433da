import { and, eq } from "drizzle-orm";
import { notificationProviders } from "../../../schema";
import { auditInsert, type Actor } from "../../platform/audit";
import { decryptText, encryptText } from "../../platform/auth/keys";
import type { Database } from "../../platform/db";
import { isoTime } from "../../platform/time";
import type { ProvidersInput } from "./schemas";
import { checkOutboundUrl } from "./send";

export type RelayChannel = "email" | "sms";
const RELAYS: RelayChannel[] = ["email", "sms"];

/** The tenant's relays as shown: never the token, only whether one is configured and where it posts. */
export async function providersView(db: Database, tenantId: string) {
  const rows = await db.select().from(notificationProviders).where(eq(notificationProviders.tenantId, tenantId));
  const view = (channel: RelayChannel) => {
    const row = rows.find((r) => r.channel === channel);
    return { configured: Boolean(row), base_url: row?.baseUrl ?? null, updated_at: row ? isoTime(row.updatedAt) : null };
  };
  return { email: view("email"), sms: view("sms") };
}

/**
 * A named relay is set (base URL checked by the outbound URL policy, token encrypted), `null`
 * removes it, an omitted one is left as it is: changing one relay never needs the other's token.
 */
export async function saveProviders(env: Env, db: Database, tenantId: string, input: ProvidersInput, actor: Actor) {
  const now = Date.now();
  const writes = [];
  for (const channel of RELAYS) {
    const relay = input[channel];
    if (relay === undefined) continue;
    const key = and(eq(notificationProviders.tenantId, tenantId), eq(notificationProviders.channel, channel));
    if (relay === null) {
      writes.push(db.delete(notificationProviders).where(key));
      continue;
    }
    checkOutboundUrl(relay.base_url, env, `${channel}.base_url`);
    const row = {
      tenantId,
      channel,
      baseUrl: relay.base_url,
      tokenCiphertext: await encryptText(env.AUTH_SECRET, relay.token),
      updatedAt: now,
    };
    writes.push(
      db
        .insert(notificationProviders)
        .values(row)
        .onConflictDoUpdate({ target: [notificationProviders.tenantId, notificationProviders.channel], set: row }),
    );
  }
  const audit = auditInsert(db, {
    tenantId,
    actor: actor.name,
    action: "notifications.providers.update",
    requestId: actor.requestId,
    details: Object.fromEntries(RELAYS.filter((c) => input[c] !== undefined).map((c) => [c, input[c] ? "set" : "removed"])),
  });
  await db.batch([audit, ...writes]);
}

/** The relay with its token decrypted, for sending; null when the tenant has none for the channel. */
export async function loadProvider(env: Env, db: Database, tenantId: string, channel: RelayChannel) {
  const row = await db
    .select()
    .from(notificationProviders)
    .where(and(eq(notificationProviders.tenantId, tenantId), eq(notificationProviders.channel, channel)))
    .get();
  return row ? { baseUrl: row.baseUrl, token: await decryptText(env.AUTH_SECRET, row.tokenCiphertext) } : null;
}
