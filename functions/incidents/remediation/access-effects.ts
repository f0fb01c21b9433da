import { and, eq, isNull, ne } from "drizzle-orm";
import { apiKeys, users } from "../../../schema";
import { findMachine } from "../../av/machines";
import { forgetApiKey } from "../../platform/auth/api-keys";
import { signOutEverywhere } from "../../platform/auth/user-tokens";
import { ApiError, conflict, notFound } from "../../platform/errors";
import type { ActionParameters } from "./catalog";
import { actorName, type Effect, type EffectContext } from "./effect";

async function tenantKey(ctx: EffectContext, id: string) {
  const key = await ctx.db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.tenantId, ctx.tenantId), eq(apiKeys.id, id)))
    .get();
  if (!key) throw notFound("API key", { key_id: id });
  return key;
}

export const revokeKey: Effect<ActionParameters["revoke_api_key"]> = {
  async plan(ctx, p) {
    const key = await tenantKey(ctx, p.key_id);
    if (key.revokedAt !== null) throw conflict(`API key '${key.id}' is already revoked`, { key_id: key.id });
    return [
      {
        operation: "api_key.revoke",
        target: key.id,
        detail: `Refuse the key '${key.name}' (${key.displayPrefix}…) from its next request`,
      },
    ];
  },
  async apply(ctx, p) {
    const done = await ctx.db
      .update(apiKeys)
      .set({ revokedAt: ctx.now })
      .where(and(eq(apiKeys.tenantId, ctx.tenantId), eq(apiKeys.id, p.key_id), isNull(apiKeys.revokedAt)))
      .returning({ id: apiKeys.id });
    if (!done.length) throw conflict(`API key '${p.key_id}' is already revoked`, { key_id: p.key_id });
    forgetApiKey(p.key_id);
    return { result: { key_id: p.key_id, revoked: true }, inverse: { key_id: p.key_id, revoked_at: ctx.now } };
  },
  async undo(ctx, inverse) {
    const keyId = String(inverse.key_id);
    const done = await ctx.db
      .update(apiKeys)
      .set({ revokedAt: null })
      .where(and(eq(apiKeys.tenantId, ctx.tenantId), eq(apiKeys.id, keyId), eq(apiKeys.revokedAt, Number(inverse.revoked_at))))
      .returning({ id: apiKeys.id });
    if (!done.length) throw conflict(`API key '${keyId}' has changed since this remediation revoked it`, { key_id: keyId });
    return { key_id: keyId, reinstated: true };
  },
};

async function tenantUser(ctx: EffectContext, username: string) {
  const user = await ctx.db
    .select()
    .from(users)
    .where(and(eq(users.tenantId, ctx.tenantId), eq(users.username, username)))
    .get();
  if (!user) throw notFound("User", { username });
  if (user.id === ctx.actor.id) throw new ApiError("invalid_request", "You cannot apply this action to yourself", { username });
  return user;
}

/** Disabling the tenant's last enabled admin would leave nobody able to undo it. */
async function assertAnotherAdmin(ctx: EffectContext, userId: string) {
  const other = await ctx.db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.tenantId, ctx.tenantId), eq(users.role, "admin"), isNull(users.disabledAt), ne(users.id, userId)))
    .get();
  if (!other) throw conflict("This is the tenant's last enabled admin", { user_id: userId });
}

/** Sets a user flag only if it still holds the value the plan saw; undo puts back exactly what it replaced. */
type UserFlag = { disabledAt: number | null } | { passwordResetRequired: boolean };

async function setUserFlag(ctx: EffectContext, userId: string, expected: UserFlag, next: UserFlag) {
  const [column, value] = Object.entries(expected)[0]!;
  const current = column === "disabledAt" ? users.disabledAt : users.passwordResetRequired;
  const guard = value === null ? isNull(current) : eq(current, value as never);
  const done = await ctx.db
    .update(users)
    .set(next)
    .where(and(eq(users.tenantId, ctx.tenantId), eq(users.id, userId), guard))
    .returning({ id: users.id });
  if (!done.length) throw conflict("The user has changed since this remediation was planned or applied", { user_id: userId });
}

export const disableUser: Effect<ActionParameters["disable_user"]> = {
  async plan(ctx, p) {
    const user = await tenantUser(ctx, p.username);
    if (user.disabledAt !== null) throw conflict(`User '${p.username}' is already disabled`, { username: p.username });
    if (user.role === "admin") await assertAnotherAdmin(ctx, user.id);
    return [
      { operation: "user.disable", target: p.username, detail: "Refuse sign-in and end every session and token of the user" },
    ];
  },
  async apply(ctx, p) {
    const user = await tenantUser(ctx, p.username);
    await setUserFlag(ctx, user.id, { disabledAt: null }, { disabledAt: ctx.now });
    const ended = await signOutEverywhere(ctx.db, user.id, `disabled by ${actorName(ctx.actor)}`, ctx.now);
    return {
      result: {
        user_id: user.id,
        username: user.username,
        sessions_ended: ended.sessions,
        token_families_revoked: ended.tokenFamilies,
      },
      inverse: { user_id: user.id, disabled_at: ctx.now },
    };
  },
  async undo(ctx, inverse) {
    const userId = String(inverse.user_id);
    await setUserFlag(ctx, userId, { disabledAt: Number(inverse.disabled_at) }, { disabledAt: null });
    return { user_id: userId, enabled: true };
  },
};

export const forcePasswordReset: Effect<ActionParameters["force_password_reset"]> = {
  async plan(ctx, p) {
    const user = await tenantUser(ctx, p.username);
    if (user.passwordResetRequired)
      throw conflict(`User '${p.username}' must already reset their password`, { username: p.username });
    return [
      {
        operation: "user.require_password_reset",
        target: p.username,
        detail: "End every session and refuse sign-in until an admin sets a new password",
      },
    ];
  },
  async apply(ctx, p) {
    const user = await tenantUser(ctx, p.username);
    await setUserFlag(ctx, user.id, { passwordResetRequired: false }, { passwordResetRequired: true });
    const ended = await signOutEverywhere(ctx.db, user.id, `password reset forced by ${actorName(ctx.actor)}`, ctx.now);
    return {
      result: {
        user_id: user.id,
        username: user.username,
        sessions_ended: ended.sessions,
        token_families_revoked: ended.tokenFamilies,
      },
      inverse: { user_id: user.id, password_reset_required: false },
    };
  },
  async undo(ctx, inverse) {
    const userId = String(inverse.user_id);
    await setUserFlag(ctx, userId, { passwordResetRequired: true }, { passwordResetRequired: false });
    return { user_id: userId, password_reset_required: false };
  },
};

async function tenantDevice(ctx: EffectContext, slug: string, deviceId: string) {
  const machine = await findMachine(ctx.db, slug).catch(() => null);
  if (!machine || machine.tenantId !== ctx.tenantId) throw notFound(`Machine '${slug}'`, { machine: slug });
  const stub = ctx.env.MACHINE_STATE.getByName(machine.slug);
  const device = (await stub.listDevices()).find((d) => d.device_id === deviceId);
  if (!device) throw notFound(`Device '${deviceId}'`, { machine: slug, device_id: deviceId });
  return { stub, device };
}

export const quarantineDevice: Effect<ActionParameters["quarantine_device"]> = {
  async plan(ctx, p) {
    const { device } = await tenantDevice(ctx, p.machine, p.device_id);
    if (device.quarantined) throw conflict(`Device '${p.device_id}' is already quarantined`, { device_id: p.device_id });
    return [
      {
        operation: "device.quarantine",
        target: `${p.machine}/${p.device_id}`,
        detail: "The device's claims carry the device_quarantined blocker and never fire",
      },
    ];
  },
  async apply(ctx, p) {
    const { stub } = await tenantDevice(ctx, p.machine, p.device_id);
    const done = await stub.setQuarantine(actorName(ctx.actor), p.device_id, true);
    return {
      result: { machine: p.machine, device_id: p.device_id, transition_id: done?.transition_id ?? null },
      inverse: { machine: p.machine, device_id: p.device_id },
    };
  },
  async undo(ctx, inverse) {
    const { stub, device } = await tenantDevice(ctx, String(inverse.machine), String(inverse.device_id));
    if (!device.quarantined)
      throw conflict(`Device '${device.device_id}' is no longer quarantined`, { device_id: device.device_id });
    const done = await stub.setQuarantine(actorName(ctx.actor), device.device_id, false);
    return { machine: inverse.machine, device_id: device.device_id, transition_id: done?.transition_id ?? null };
  },
};
