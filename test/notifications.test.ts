import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { database } from "../functions/platform/db";
import { notifyTargets } from "../functions/incidents/notifications/notify";
import { localSecondOfDay, quietSecondsLeft } from "../functions/incidents/notifications/quiet-hours";
import { call, createApiKey, createTenant, createUser, eventually, postJson, receiverInbox } from "./helpers";

type Ok<T> = { success: true; data: T };
type Failure = { success: false; error: { code: string; message: string; details: Record<string, unknown> } };
type Inbox = Awaited<ReturnType<typeof receiverInbox>>;
type Received = { headers: Record<string, string>; body: string };
type Row = { id: string; status: string; reason: string | null; attempts: number; provider_status: number | null };

const db = () => database(env.DB);

/** A user of the tenant, signed in: their id and Bearer headers. */
async function signIn(tenantId: string, username: string, role = "analyst") {
  const user = await createUser(tenantId, username, role);
  const res = await postJson("/auth/login", { username, password: user.password });
  const { access_token } = ((await res.json()) as Ok<{ access_token: string }>).data;
  return { id: user.id, headers: { Authorization: `Bearer ${access_token}` } };
}

const put = (path: string, body: unknown, headers: Record<string, string>) =>
  call(path, {
    method: "PUT",
    headers: { ...headers, "Content-Type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

const slackOnly = (url: string, severities?: string[], extra: object = {}) => ({
  channels: { slack: { enabled: true, webhook_url: url, ...(severities ? { severities } : {}) } },
  ...extra,
});

async function setPreferences(headers: Record<string, string>, body: object) {
  const res = await put("/api/v1/notifications/preferences", body, headers);
  expect(res.status, await res.clone().text()).toBe(200);
}

async function arrivals(inbox: Inbox, n: number, ms = 15_000): Promise<Received[]> {
  let got: Received[] = [];
  await eventually(async () => (got = await inbox.requests()).length >= n, ms);
  return got;
}

const rowsOf = async (userId: string) =>
  (
    await env.DB.prepare("SELECT * FROM notifications WHERE user_id = ? ORDER BY created_at")
      .bind(userId)
      .all<Row & { severity: string }>()
  ).results;

let tenantId: string;
let admin: { id: string; headers: Record<string, string> };
let analyst: { id: string; headers: Record<string, string> };

beforeAll(async () => {
  tenantId = await createTenant("notifications");
  admin = await signIn(tenantId, "ada@notify.test", "admin");
  analyst = await signIn(tenantId, "ann@notify.test", "analyst");
});

describe("preferences", () => {
  it("start all off, round-trip the seed's document, mask the Slack URL and replace the whole document on PUT", async () => {
    const get = async (h = analyst.headers) =>
      ((await (await call("/api/v1/notifications/preferences", { headers: h })).json()) as Ok<{ preferences: any }>).data
        .preferences;
    expect(await get()).toMatchObject({
      channels: { email: { enabled: false }, slack: { enabled: false, webhook_url: null }, sms: { enabled: false } },
      quiet_hours: { enabled: false },
      teams: [],
      updated_at: null,
    });
    const secretUrl = "https://hooks.slack.com/services/T000/B000/s3cr3tT0k3n";
    await setPreferences(analyst.headers, {
      channels: {
        email: { enabled: true, address: "ann@example.com", severities: ["CRITICAL", "HIGH"] },
        slack: { enabled: true, webhook_url: secretUrl, severities: ["CRITICAL", "HIGH", "MEDIUM"] },
        sms: { enabled: false },
      },
      quiet_hours: { enabled: true, start: "22:00", end: "08:00", timezone: "America/New_York" },
      teams: ["Security-Team"],
    });
    const saved = await get();
    expect(saved).toMatchObject({
      channels: {
        email: { enabled: true, address: "ann@example.com", severities: ["CRITICAL", "HIGH"] },
        slack: { enabled: true, webhook_url: "https://hooks.slack.com/••••", severities: ["CRITICAL", "HIGH", "MEDIUM"] },
        sms: { enabled: false, phone_number: null, severities: ["CRITICAL", "HIGH", "MEDIUM", "LOW"] },
      },
      quiet_hours: { enabled: true, start: "22:00", end: "08:00", timezone: "America/New_York" },
      teams: ["security-team"],
    });
    const stored = await env.DB.prepare("SELECT channels FROM notification_preferences WHERE user_id = ?")
      .bind(analyst.id)
      .first<{ channels: string }>();
    expect(stored!.channels).not.toContain("s3cr3tT0k3n");
    expect(JSON.stringify(saved)).not.toContain("s3cr3tT0k3n");
    // Each user has their own document.
    expect((await get(admin.headers)).channels.email.enabled).toBe(false);
    // PUT replaces: what is left out is off.
    await setPreferences(analyst.headers, { channels: { sms: { enabled: true, phone_number: "+15551234567" } } });
    expect(await get()).toMatchObject({
      channels: { email: { enabled: false }, slack: { enabled: false, webhook_url: null }, sms: { enabled: true } },
      quiet_hours: { enabled: false },
      teams: [],
    });
  });

  it("refuses bad documents with a 400 naming the field, and API keys with a 403", async () => {
    const cases: [unknown, RegExp][] = [
      [{ channels: {}, quiet_hours: { enabled: true, start: "22:00", end: "08:00", timezone: "Mars/Olympus" } }, /Mars\/Olympus/],
      [{ channels: { email: { enabled: true } } }, /channels\.email\.address/],
      [{ channels: { email: { enabled: true, address: "a@b.test", severities: ["SEVERE"] } } }, /severities/],
      [{ channels: { sms: { enabled: true, phone_number: "555-1234" } } }, /phone_number/],
      [{ channels: { slack: { enabled: true, webhook_url: "https://10.0.0.8/hook" } } }, /webhook_url/],
      [{ channels: { slack: { enabled: true, webhook_url: "http://hooks.slack.com/x" } } }, /https/],
      [{ channels: {}, quiet_hours: { enabled: true, start: "25:00", end: "08:00", timezone: "UTC" } }, /quiet_hours\.start/],
      [{ channels: {}, quiet_hours: { enabled: true, start: "22:00" } }, /quiet_hours\.(end|timezone)/],
      [{}, /channels/],
      ['{"channels": {', /./],
    ];
    for (const [body, reason] of cases) {
      const res = await put("/api/v1/notifications/preferences", body, analyst.headers);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const failure = (await res.json()) as Failure;
      expect(failure.error.code).toBe("INVALID_REQUEST");
      expect(failure.error.message + JSON.stringify(failure.error.details), JSON.stringify(body)).toMatch(reason);
    }
    const key = { "X-API-Key": (await createApiKey(tenantId, { name: "bot", scopes: ["admin"] })).key };
    for (const res of [
      await call("/api/v1/notifications/preferences", { headers: key }),
      await put("/api/v1/notifications/preferences", { channels: {} }, key),
      await postJson("/api/v1/notifications/test", { channel: "email", message: "hi" }, key),
    ]) {
      expect(res.status).toBe(403);
      const failure = (await res.json()) as Failure;
      expect(failure.error).toMatchObject({ code: "FORBIDDEN" });
      expect(failure.error.message).toMatch(/signed-in user/);
    }
    expect((await call("/api/v1/notifications/preferences")).status).toBe(401);
  });

  it("are documented in the OpenAPI document with the other notification routes", async () => {
    const doc = (await (await call("/openapi.json")).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths["/api/v1/notifications/preferences"]!).sort()).toEqual(["get", "put"]);
    expect(Object.keys(doc.paths["/api/v1/notifications/providers"]!).sort()).toEqual(["get", "put"]);
    expect(Object.keys(doc.paths["/api/v1/notifications/test"]!)).toEqual(["post"]);
    expect(Object.keys(doc.paths["/api/v1/notifications"]!)).toEqual(["get"]);
  });
});

describe("providers", () => {
  it("are admin-only, store the token encrypted and never return it", async () => {
    const body = { email: { base_url: "https://mail.example.com/v1", token: "tok-email-secret" } };
    expect((await call("/api/v1/notifications/providers", { headers: analyst.headers })).status).toBe(403);
    expect((await put("/api/v1/notifications/providers", body, analyst.headers)).status).toBe(403);
    const res = await put("/api/v1/notifications/providers", body, admin.headers);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain("tok-email-secret");
    expect((JSON.parse(text) as Ok<{ providers: any }>).data.providers).toMatchObject({
      email: { configured: true, base_url: "https://mail.example.com/v1" },
      sms: { configured: false, base_url: null },
    });
    const row = await env.DB.prepare("SELECT token_ciphertext FROM notification_providers WHERE tenant_id = ?")
      .bind(tenantId)
      .first<{ token_ciphertext: string }>();
    expect(row!.token_ciphertext).not.toContain("tok-email-secret");
    const bad = await put(
      "/api/v1/notifications/providers",
      { sms: { base_url: "https://192.168.1.1", token: "t" } },
      admin.headers,
    );
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Failure).error.message).toMatch(/sms\.base_url/);
    expect((await put("/api/v1/notifications/providers", {}, admin.headers)).status).toBe(400);
    const removed = await put("/api/v1/notifications/providers", { email: null }, admin.headers);
    expect(((await removed.json()) as Ok<{ providers: any }>).data.providers.email.configured).toBe(false);
  });
});

describe("POST /api/v1/notifications/test", () => {
  const test = (channel: string, h: Record<string, string>, message = "This is a test notification from SentinelOps") =>
    postJson("/api/v1/notifications/test", { channel, message }, h);
  type Result = {
    channel: string;
    delivered: boolean;
    provider_status: number | null;
    provider_response: string;
    notification_id: string;
  };

  it("sends in each channel's format and reports the provider's answer", async () => {
    const user = await signIn(tenantId, "tess@notify.test");
    const [slack, mail, sms] = [
      await receiverInbox({ then: { status: 200, body: "ok" } }),
      await receiverInbox({ then: { status: 202, body: '{"id":"msg_1"}' } }),
      await receiverInbox(),
    ];
    await put(
      "/api/v1/notifications/providers",
      { email: { base_url: mail.url, token: "mail-token" }, sms: { base_url: `${sms.url}/`, token: "sms-token" } },
      admin.headers,
    );
    await setPreferences(user.headers, {
      channels: {
        email: { enabled: true, address: "tess@example.com", severities: ["CRITICAL"] },
        slack: { enabled: true, webhook_url: slack.url },
        sms: { enabled: true, phone_number: "+15551230000" },
      },
      // Quiet all day long: a test is sent anyway.
      quiet_hours: { enabled: true, start: "00:00", end: "23:59", timezone: "UTC" },
    });

    const slackRes = await test("slack", user.headers, "Hello <team> & co");
    const slackData = ((await slackRes.json()) as Ok<Result>).data;
    expect(slackData).toMatchObject({ channel: "slack", delivered: true, provider_status: 200, provider_response: "ok" });
    const [s] = await slack.requests();
    expect(s!.headers["content-type"]).toBe("application/json");
    const payload = JSON.parse(s!.body) as { text: string; blocks: { type: string; text?: { type: string; text: string } }[] };
    expect(payload.text).toBe("Vigil test notification");
    expect(payload.blocks[0]).toEqual({
      type: "section",
      text: { type: "mrkdwn", text: "*Vigil test notification*\nHello &lt;team&gt; &amp; co" },
    });

    const mailData = ((await (await test("email", user.headers)).json()) as Ok<Result>).data;
    expect(mailData).toMatchObject({ delivered: true, provider_status: 202, provider_response: '{"id":"msg_1"}' });
    const [m] = await mail.requests();
    expect(m!.headers.authorization).toBe("Bearer mail-token");
    expect(JSON.parse(m!.body)).toEqual({
      to: "tess@example.com",
      subject: "Vigil test notification",
      text: "This is a test notification from SentinelOps",
    });

    expect(((await (await test("sms", user.headers)).json()) as Ok<Result>).data.delivered).toBe(true);
    const [t] = await sms.requests();
    expect(t!.headers.authorization).toBe("Bearer sms-token");
    expect(JSON.parse(t!.body)).toEqual({
      to: "+15551230000",
      body: "Vigil test notification\nThis is a test notification from SentinelOps",
    });

    // Logged like any notification.
    const log = (
      (await (await call("/api/v1/notifications?channel=email", { headers: user.headers })).json()) as Ok<{
        notifications: { id: string; status: string; severity: string }[];
      }>
    ).data.notifications;
    expect(log.find((n) => n.id === mailData.notification_id)).toMatchObject({ status: "sent", severity: "TEST" });
  });

  it("reports a provider failure as delivered:false with its status and answer, and refuses channels that cannot send", async () => {
    const tenant = await createTenant("notifications-test-fail");
    const boss = await signIn(tenant, "boss@notify-fail.test", "admin");
    const failing = await receiverInbox({ then: { status: 500, body: "relay exploded" } });
    await setPreferences(boss.headers, {
      channels: { slack: { enabled: true, webhook_url: failing.url }, email: { enabled: true, address: "b@example.com" } },
    });
    const res = await test("slack", boss.headers);
    expect(res.status).toBe(200);
    expect(((await res.json()) as Ok<Result>).data).toMatchObject({
      delivered: false,
      provider_status: 500,
      provider_response: "relay exploded",
    });
    expect(await failing.requests()).toHaveLength(1);
    const cases: [string, RegExp][] = [
      ["email", /no email provider is configured/],
      ["sms", /sms channel is not enabled/],
    ];
    for (const [channel, reason] of cases) {
      const refused = await test(channel, boss.headers);
      expect(refused.status).toBe(409);
      const failure = (await refused.json()) as Failure;
      expect(failure.error.code).toBe("CONFLICT");
      expect(failure.error.message).toMatch(reason);
    }
    expect((await postJson("/api/v1/notifications/test", { channel: "pager", message: "x" }, boss.headers)).status).toBe(400);
  });
});

describe("quiet hours", () => {
  const at = (iso: string) => Date.parse(iso);
  const overnight = (timezone: string) => ({ enabled: true, start: "22:00", end: "08:00", timezone });

  it("compute the time left in a window that crosses midnight, in the user's own zone", () => {
    expect(quietSecondsLeft(overnight("UTC"), at("2026-01-15T23:30:00Z"))).toBe(8.5 * 3600);
    expect(quietSecondsLeft(overnight("UTC"), at("2026-01-15T07:59:00Z"))).toBe(60);
    expect(quietSecondsLeft(overnight("UTC"), at("2026-01-15T08:00:00Z"))).toBe(0);
    expect(quietSecondsLeft(overnight("UTC"), at("2026-01-15T21:59:59Z"))).toBe(0);
    expect(quietSecondsLeft(overnight("UTC"), at("2026-01-15T22:00:00Z"))).toBe(10 * 3600);
    // New York is UTC-5 in January: 03:30Z is 22:30 there, 14:00Z is 09:00.
    expect(quietSecondsLeft(overnight("America/New_York"), at("2026-01-15T03:30:00Z"))).toBe(9.5 * 3600);
    expect(quietSecondsLeft(overnight("America/New_York"), at("2026-01-15T14:00:00Z"))).toBe(0);
    // In July it is UTC-4: 02:30Z is 22:30 there.
    expect(quietSecondsLeft(overnight("America/New_York"), at("2026-07-15T02:30:00Z"))).toBe(9.5 * 3600);
    // Kolkata is UTC+5:30: 18:00Z is 23:30 there, 12:00Z is 17:30.
    expect(quietSecondsLeft(overnight("Asia/Kolkata"), at("2026-01-15T18:00:00Z"))).toBe(8.5 * 3600);
    expect(quietSecondsLeft(overnight("Asia/Kolkata"), at("2026-01-15T12:00:00Z"))).toBe(0);
    // A daytime window in Tokyo (UTC+9): 01:00Z is 10:00 there.
    const office = { enabled: true, start: "09:00", end: "17:00", timezone: "Asia/Tokyo" };
    expect(quietSecondsLeft(office, at("2026-01-15T01:00:00Z"))).toBe(7 * 3600);
    expect(quietSecondsLeft(office, at("2026-01-15T09:00:00Z"))).toBe(0);
    expect(quietSecondsLeft({ ...office, enabled: false }, at("2026-01-15T01:00:00Z"))).toBe(0);
    expect(quietSecondsLeft(null, Date.now())).toBe(0);
    expect(localSecondOfDay(at("2026-01-15T00:00:00Z"), "UTC")).toBe(0);
  });

  it("hold a HIGH notification (recorded, not sent) while a CRITICAL one goes out", async () => {
    const user = await signIn(tenantId, "quinn@notify.test");
    const inbox = await receiverInbox();
    // A window around now in Kolkata's wall-clock time (UTC+5:30).
    const kolkata = (ms: number) => new Date(ms + 330 * 60_000).toISOString().slice(11, 16);
    const now = Date.now();
    const quiet = { enabled: true, start: kolkata(now - 3_600_000), end: kolkata(now + 7_200_000), timezone: "Asia/Kolkata" };
    await setPreferences(user.headers, slackOnly(inbox.url, undefined, { quiet_hours: quiet }));
    const input = { tenantId, targets: ["quinn@notify.test"], subject: "s", body: "b" };
    await notifyTargets(env, db(), { ...input, severity: "HIGH", subject: "[HIGH] held" });
    await notifyTargets(env, db(), { ...input, severity: "CRITICAL", subject: "[CRITICAL] through" });
    const [got] = await arrivals(inbox, 1);
    expect(JSON.parse(got!.body).text).toBe("[CRITICAL] through");
    await new Promise((r) => setTimeout(r, 1500));
    expect(await inbox.requests()).toHaveLength(1);
    const rows = await rowsOf(user.id);
    expect(rows.find((r) => r.severity === "HIGH")).toMatchObject({ status: "held_quiet_hours", attempts: 0 });
    expect(rows.find((r) => r.severity === "HIGH")!.reason).toMatch(/quiet hours end in (1[12]\d|120) min/);
    await eventually(async () => (await rowsOf(user.id)).some((r) => r.severity === "CRITICAL" && r.status === "sent"));
  });
});

describe("delivery through the queue", () => {
  it("a firing rule's actions.notify reaches the Slack channel of a user on that list", async () => {
    const tenant = await createTenant("notifications-rules");
    const responder = await signIn(tenant, "rio@notify-rules.test", "responder");
    const bystander = await signIn(tenant, "bea@notify-rules.test", "viewer");
    const inbox = await receiverInbox();
    const other = await receiverInbox();
    await setPreferences(responder.headers, slackOnly(inbox.url, undefined, { teams: ["security-team"] }));
    await setPreferences(bystander.headers, slackOnly(other.url, undefined, { teams: ["network-team"] }));
    const rule = await postJson(
      "/api/v1/rules",
      {
        name: "SSH notify",
        severity: "HIGH",
        conditions: {
          query: "SELECT * FROM logs WHERE jsonPayload.message LIKE '%Failed password%'",
          time_window: 300,
          thresholds: [{ metric: "event_count", operator: ">=", value: 2 }],
        },
        actions: { notify: ["security-team"], escalate: true },
      },
      responder.headers,
    );
    expect(rule.status, await rule.clone().text()).toBe(201);
    const log = { jsonPayload: { message: "Failed password for root from 203.0.113.9" } };
    expect((await postJson("/api/v1/logs", [log, log], responder.headers)).status).toBe(202);
    const [got] = await arrivals(inbox, 1, 20_000);
    const payload = JSON.parse(got!.body) as { text: string; blocks: { text?: { text: string } }[] };
    // escalate: true raised HIGH to CRITICAL.
    expect(payload.text).toBe("[CRITICAL] Rule 'SSH notify' fired");
    expect(payload.blocks[0]!.text!.text).toMatch(/Opened incident INC-\d{4}-\d{3}: Rule 'SSH notify' fired: 2 matching log/);
    expect(await other.requests()).toHaveLength(0);
    const rows = await rowsOf(responder.id);
    expect(rows).toMatchObject([{ status: "sent", attempts: 1, provider_status: 200 }]);
  });

  it("sends only the severities a channel asked for", async () => {
    const user = await signIn(tenantId, "sev@notify.test");
    const inbox = await receiverInbox();
    await setPreferences(user.headers, slackOnly(inbox.url, ["CRITICAL"]));
    const input = { tenantId, targets: ["SEV@notify.test"], subject: "s", body: "b" };
    expect(await notifyTargets(env, db(), { ...input, severity: "HIGH" })).toEqual([]);
    const queued = await notifyTargets(env, db(), { ...input, severity: "CRITICAL", subject: "only this" });
    expect(queued).toMatchObject([{ channel: "slack", status: "queued", user_id: user.id }]);
    const [got] = await arrivals(inbox, 1);
    expect(JSON.parse(got!.body).text).toBe("only this");
    await new Promise((r) => setTimeout(r, 1000));
    expect(await inbox.requests()).toHaveLength(1);
  });

  it("never notifies another tenant's users, by username or by list", async () => {
    const elsewhere = await createTenant("notifications-elsewhere");
    const stranger = await signIn(elsewhere, "stranger@notify-else.test");
    const inbox = await receiverInbox();
    await setPreferences(stranger.headers, slackOnly(inbox.url, undefined, { teams: ["security-team"] }));
    const sent = await notifyTargets(env, db(), {
      tenantId,
      targets: ["stranger@notify-else.test", "security-team"],
      severity: "CRITICAL",
      subject: "not for you",
      body: "b",
    });
    expect(sent.map((s) => s.user_id)).not.toContain(stranger.id);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await inbox.requests()).toHaveLength(0);
    expect(await rowsOf(stranger.id)).toHaveLength(0);
  });

  it("records skipped without a provider, retries a 503 and fails a 400 at once", async () => {
    const tenant = await createTenant("notifications-retry");
    const boss = await signIn(tenant, "boss@notify-retry.test", "admin");
    await setPreferences(boss.headers, { channels: { email: { enabled: true, address: "boss@example.com" } } });
    const input = { tenantId: tenant, targets: ["boss@notify-retry.test"], severity: "HIGH" as const, subject: "s", body: "b" };
    expect(await notifyTargets(env, db(), input)).toMatchObject([{ status: "skipped" }]);
    expect((await rowsOf(boss.id))[0]!.reason).toMatch(/no email provider is configured/);

    const flaky = await receiverInbox({ responses: [{ status: 503, body: "busy" }], then: { status: 200, body: "ok" } });
    await put("/api/v1/notifications/providers", { email: { base_url: flaky.url, token: "t" } }, boss.headers);
    const [retried] = await notifyTargets(env, db(), input);
    await arrivals(flaky, 2, 20_000);
    await eventually(async () => (await rowsOf(boss.id)).some((r) => r.id === retried!.id && r.status === "sent"));
    expect((await rowsOf(boss.id)).find((r) => r.id === retried!.id)).toMatchObject({ attempts: 2, provider_status: 200 });

    const refusing = await receiverInbox({ then: { status: 400, body: "bad address" } });
    await put("/api/v1/notifications/providers", { email: { base_url: refusing.url, token: "t" } }, boss.headers);
    const [refused] = await notifyTargets(env, db(), input);
    await eventually(async () => (await rowsOf(boss.id)).some((r) => r.id === refused!.id && r.status === "failed"));
    const row = (await rowsOf(boss.id)).find((r) => r.id === refused!.id)!;
    expect(row).toMatchObject({ attempts: 1, provider_status: 400 });
    expect(row.reason).toMatch(/bad address/);
    expect(await refusing.requests()).toHaveLength(1);
  });
});
