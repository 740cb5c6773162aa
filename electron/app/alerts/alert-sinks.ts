/**
 * Where alerts go: Telegram (the Bot API's sendMessage) and a generic webhook (a JSON POST). A sink
 * sends one alert and says whether to try again (and when); it never throws.
 */
import type { Alert } from './alert-rules';

export type SendResult = { ok: true } | { ok: false; retry: boolean; retryAfterMs?: number; problem: string };

export interface AlertSink {
  /** For messages: "Telegram", "webhook https://host". Never holds a secret. */
  readonly name: string;
  /** The least time between two messages (Telegram: about one per second per chat). */
  readonly minIntervalMs: number;
  send(alert: Alert, signal: AbortSignal): Promise<SendResult>;
}

const TIMEOUT_MS = 10_000;

export interface TelegramOptions {
  /** The bot's token (secret: only in the request path, never in a message or a log line). */
  token: string;
  chatId: string;
  /** Default https://api.telegram.org; a local stand-in in tests. */
  apiBaseUrl?: string;
  /** Pace (default 1.1 s: Telegram asks for at most about one message a second per chat). */
  minIntervalMs?: number;
}

/** Telegram's Bot API: POST {api}/bot{token}/sendMessage {chat_id, text}. */
export class TelegramSink implements AlertSink {
  readonly name = 'Telegram';
  readonly minIntervalMs: number;
  private readonly url: string;

  constructor(private readonly o: TelegramOptions) {
    this.minIntervalMs = o.minIntervalMs ?? 1100;
    this.url = `${(o.apiBaseUrl ?? 'https://api.telegram.org').replace(/\/+$/, '')}/bot${o.token}/sendMessage`;
  }

  async send(alert: Alert, signal: AbortSignal): Promise<SendResult> {
    const r = await post(
      this.url,
      { chat_id: this.o.chatId, text: alert.text, disable_web_page_preview: true },
      signal,
    );
    if ('problem' in r) return { ok: false, retry: true, problem: this.redact(r.problem) };
    let body: { ok?: boolean; description?: string; parameters?: { retry_after?: number } } = {};
    try {
      body = JSON.parse(r.text) as typeof body;
    } catch {
      body = {};
    }
    if (r.status === 200 && body.ok === true) return { ok: true };
    const what = this.redact(`Telegram answered ${r.status}${body.description ? `: ${body.description}` : ''}`);
    if (r.status === 429) {
      const s = body.parameters?.retry_after;
      return { ok: false, retry: true, retryAfterMs: typeof s === 'number' && s > 0 ? s * 1000 : 5000, problem: what };
    }
    // 401 (bad token), 400 (bad chat id), 403 (bot blocked): sending again cannot help.
    return { ok: false, retry: r.status >= 500, problem: what };
  }

  private redact(text: string): string {
    return text.split(this.o.token).join('<token>');
  }
}

export interface WebhookOptions {
  url: string;
}

/** A JSON POST of {source, kind, symbol, text, time} to any URL (Slack-style relays, ntfy, a home server). */
export class WebhookSink implements AlertSink {
  readonly name: string;
  readonly minIntervalMs = 200;

  constructor(private readonly o: WebhookOptions) {
    // The URL may carry a secret in its path or query: messages name only its origin.
    this.name = `webhook ${new URL(o.url).origin}`;
  }

  async send(alert: Alert, signal: AbortSignal): Promise<SendResult> {
    const body = {
      source: 'tranche',
      kind: alert.kind,
      ...(alert.symbol ? { symbol: alert.symbol } : {}),
      text: alert.text,
      time: new Date(alert.time).toISOString(),
    };
    const r = await post(this.o.url, body, signal);
    if ('problem' in r) return { ok: false, retry: true, problem: r.problem.split(this.o.url).join(this.name) };
    if (r.status >= 200 && r.status < 300) return { ok: true };
    const retryAfter = Number(r.retryAfter);
    return {
      ok: false,
      retry: r.status === 429 || r.status >= 500,
      ...(r.status === 429 && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
      problem: `${this.name} answered ${r.status}`,
    };
  }
}

async function post(
  url: string,
  body: unknown,
  signal: AbortSignal,
): Promise<{ status: number; text: string; retryAfter: string | null } | { problem: string }> {
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.any([signal, timeout]),
    });
    const text = (await res.text()).slice(0, 4096);
    return { status: res.status, text, retryAfter: res.headers.get('retry-after') };
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    return {
      problem: timeout.aborted
        ? `no answer within ${TIMEOUT_MS / 1000} s`
        : `cannot connect (${cause ?? 'network error'})`,
    };
  }
}
