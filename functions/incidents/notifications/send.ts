import { ApiError } from "../../platform/errors";
import { checkWebhookUrl } from "../../webhooks/url-policy";

/**
 * The provider contract. Every request is a JSON POST that never follows redirects and gives up
 * after 10 s:
 * - Slack: the user's incoming-webhook URL, body `{text, blocks}` (Slack's incoming-webhook format).
 * - email: `{base_url}/messages` with `Authorization: Bearer <token>`, body `{to, subject, text}`.
 * - SMS: `{base_url}/messages` with `Authorization: Bearer <token>`, body `{to, body}`.
 * A 2xx answer means sent; 429, 5xx and network failures are worth retrying; any other answer
 * (a 3xx or 4xx) fails at once, since sending the same request again would get the same answer.
 */
export const SEND_TIMEOUT_MS = 10_000;
const RESPONSE_CHARS = 500;
const SMS_CHARS = 1600;

export type Destination =
  { channel: "slack"; url: string } | { channel: "email" | "sms"; baseUrl: string; token: string; to: string };

export interface Message {
  subject: string;
  body: string;
  severity: string;
}

export interface SendOutcome {
  status: number | null;
  /** The provider's answer (first 500 characters), or what went wrong on the way. */
  response: string;
  verdict: "sent" | "retry" | "failed";
}

/** Applies the webhook URL policy (https, public hosts; loopback in development) and names the field on refusal. */
export function checkOutboundUrl(raw: string, env: Env, field: string): URL {
  try {
    return checkWebhookUrl(raw, env.ENVIRONMENT === "development");
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    throw new ApiError("invalid_request", err.message.replace(/^Webhook URL/, `'${field}'`), { field });
  }
}

/** Slack reads `&`, `<` and `>` as markup in mrkdwn text. */
const mrkdwn = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

export function slackPayload(m: Message) {
  return {
    text: m.subject,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `*${mrkdwn(m.subject)}*\n${mrkdwn(m.body)}` } },
      { type: "context", elements: [{ type: "mrkdwn", text: `Severity: *${mrkdwn(m.severity)}* · Vigil` }] },
    ],
  };
}

function requestFor(d: Destination, m: Message): { url: string; headers: Record<string, string>; body: unknown } {
  if (d.channel === "slack") return { url: d.url, headers: {}, body: slackPayload(m) };
  const url = `${d.baseUrl.replace(/\/+$/, "")}/messages`;
  const headers = { Authorization: `Bearer ${d.token}` };
  if (d.channel === "email") return { url, headers, body: { to: d.to, subject: m.subject, text: m.body } };
  return { url, headers, body: { to: d.to, body: `${m.subject}\n${m.body}`.slice(0, SMS_CHARS) } };
}

/** The start of the provider's answer; the rest is never read, so a huge reply costs nothing. */
async function excerpt(res: Response): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (text.length < RESPONSE_CHARS) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel().catch(() => undefined);
  return text.slice(0, RESPONSE_CHARS);
}

export const verdictOf = (status: number): SendOutcome["verdict"] =>
  status >= 200 && status < 300 ? "sent" : status === 429 || status >= 500 ? "retry" : "failed";

/** One POST to the channel's provider; never throws. */
export async function send(env: Env, d: Destination, m: Message): Promise<SendOutcome> {
  const req = requestFor(d, m);
  try {
    checkOutboundUrl(req.url, env, d.channel === "slack" ? "webhook_url" : "base_url");
  } catch (err) {
    return { status: null, response: err instanceof Error ? err.message : String(err), verdict: "failed" };
  }
  try {
    const res = await fetch(req.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "User-Agent": "Vigil-Notifications/1.0", ...req.headers },
      body: JSON.stringify(req.body),
      redirect: "manual",
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
    return { status: res.status, response: await excerpt(res), verdict: verdictOf(res.status) };
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    return { status: null, response: timedOut ? "timed out after 10 s" : String(err), verdict: "retry" };
  }
}
