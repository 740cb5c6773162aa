import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the stand-in received, as it arrived. */
export interface BotApiRequest {
  method: string;
  path: string;
  /** The raw body, to assert that no secret is in it. */
  raw: string;
  body: Record<string, unknown>;
}

/**
 * A stand-in for Telegram's Bot API (https://core.telegram.org/bots/api#sendmessage) on
 * 127.0.0.1: POST /bot<token>/sendMessage with a JSON (or form) body holding chat_id and text.
 * Answers as Telegram does: {"ok":true,"result":Message}; 401 "Unauthorized" for another token;
 * 400 "Bad Request: chat not found" for another chat, "message text is empty", "message is too
 * long" past 4096 characters; 429 with parameters.retry_after when told to limit. Also takes any
 * other POST as a webhook, recorded the same way.
 */
export class BotApiServer {
  readonly requests: BotApiRequest[] = [];
  /** The next n sendMessage calls are answered 429 (retry after `retryAfter` s). */
  limitNext = 0;
  retryAfter = 1;
  /** When set, requests are held (never answered) until released. */
  hold = false;
  private held: Array<() => void> = [];
  private server!: http.Server;
  private nextId = 1;

  constructor(
    readonly token: string,
    readonly chatId: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The texts of the messages Telegram accepted. */
  messages(): string[] {
    return this.requests.filter((r) => r.path.endsWith('/sendMessage')).map((r) => String(r.body.text));
  }

  webhooks(): Array<Record<string, unknown>> {
    return this.requests.filter((r) => r.path === '/hook').map((r) => r.body);
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (raw += d));
      req.on('end', () => {
        const answer = () => this.answer(req, raw, res);
        if (this.hold) this.held.push(answer);
        else answer();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return this;
  }

  release(): void {
    this.hold = false;
    for (const a of this.held.splice(0)) a();
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private answer(req: http.IncomingMessage, raw: string, res: http.ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    let body: Record<string, unknown> = {};
    try {
      body = (req.headers['content-type'] ?? '').includes('json')
        ? (JSON.parse(raw) as Record<string, unknown>)
        : Object.fromEntries(new URLSearchParams(raw));
    } catch {
      body = {};
    }
    const reply = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    const m = /^\/bot([^/]+)\/sendMessage$/.exec(path);
    if (!m) {
      this.requests.push({ method: req.method ?? '', path, raw, body });
      return reply(200, { received: true });
    }
    if (m[1] !== this.token) return reply(401, { ok: false, error_code: 401, description: 'Unauthorized' });
    if (this.limitNext > 0) {
      this.limitNext--;
      return reply(429, {
        ok: false,
        error_code: 429,
        description: `Too Many Requests: retry after ${this.retryAfter}`,
        parameters: { retry_after: this.retryAfter },
      });
    }
    if (String(body.chat_id) !== this.chatId)
      return reply(400, { ok: false, error_code: 400, description: 'Bad Request: chat not found' });
    const text = typeof body.text === 'string' ? body.text : '';
    if (text.trim() === '')
      return reply(400, { ok: false, error_code: 400, description: 'Bad Request: message text is empty' });
    if (text.length > 4096)
      return reply(400, { ok: false, error_code: 400, description: 'Bad Request: message is too long' });
    this.requests.push({ method: req.method ?? '', path, raw, body });
    reply(200, {
      ok: true,
      result: {
        message_id: this.nextId++,
        date: Math.floor(Date.now() / 1000),
        chat: { id: Number(this.chatId) },
        text,
      },
    });
  }
}
