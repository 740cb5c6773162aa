import type { IncomingMessage, ServerResponse } from 'node:http';
import { BinanceError } from './binance-error';
import { remoteAddress, retryAfterSeconds, type WeightMeter } from './rate-limits';

/**
 * A minimal HTTP router speaking Binance's REST conventions: JSON bodies, errors as
 * `{"code": -1121, "msg": "Invalid symbol."}` with HTTP 400, and the X-MBX-USED-WEIGHT-1M header on
 * every answer (the weight used by the caller's IP address, shared with the WebSocket API). Each
 * route's weight is counted against the address's per-minute limit: over it the answer is 429, and
 * an address that keeps going gets banned (418), both with Retry-After (see rate-limits.ts).
 * Parameters come from the query string and, for POST/PUT/DELETE, from an
 * application/x-www-form-urlencoded body (the query string wins when both carry one, as on Binance).
 * An optional interceptor (the fault plan) may delay, replace or hold any answer, or let the
 * request execute only later (after its error was answered).
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteContext {
  req: IncomingMessage;
  url: URL;
  method: HttpMethod;
  /** Query string and form body parameters merged (the query string wins). */
  params: URLSearchParams;
  /** The query string exactly as received, without the "?" (what a signature covers). */
  rawQuery: string;
  /** The request body exactly as received ("" when none). */
  rawBody: string;
  /** Extra headers for a successful answer (e.g. X-MBX-ORDER-COUNT-10S). */
  responseHeaders: Record<string, string>;
  /** The server's clock when the request arrived (what `timestamp` and `recvWindow` are checked against). */
  receivedAt: number;
  /** The caller's IP address (what request weight is counted on). */
  address: string;
  /** performance.now() when the request arrived (monotonic: the server's clock can be skewed). */
  arrivedMono: number;
  /**
   * Set when a late-execution fault runs the request after its arrival: `answeredMono` is when its
   * answer went out or the client gave up on it (undefined while it is still held). What the late
   * run does is never answered.
   */
  lateRun?: { answeredMono?: number };
}

export interface Route {
  method: HttpMethod;
  path: string;
  /** Request weight counted against the per-minute limit, as Binance documents it. */
  weight: number | ((ctx: RouteContext) => number);
  handle(ctx: RouteContext): unknown;
}

export { BinanceError };

export const errors = {
  mandatory: (name: string) =>
    new BinanceError(400, -1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`),
  eitherParam: (a: string, b: string) =>
    new BinanceError(400, -1102, `Param '${a}' or '${b}' must be sent, but both were empty/null!`),
  invalidSymbol: () => new BinanceError(400, -1121, 'Invalid symbol.'),
  invalidInterval: () => new BinanceError(400, -1120, 'Invalid interval.'),
  invalidParam: (name: string) => new BinanceError(400, -1130, `Data sent for parameter '${name}' is not valid.`),
  illegalChars: (name: string, legal: string) =>
    new BinanceError(400, -1100, `Illegal characters found in parameter '${name}'; legal range is '${legal}'.`),
  unknownRoute: () => new BinanceError(404, -1000, 'Unknown endpoint.'),
};

/** What an interceptor decides for one request (see faults.ts). */
export interface Interception {
  /** Wait this long before handling the request (network or server latency). */
  delayMs?: number;
  /** Answer this instead of handling the request at all. */
  replyBefore?: CannedReply;
  /** Handle the request (the order is accepted), then answer this instead of the real result. */
  replyAfter?: CannedReply;
  /** Hold the answer: never send it, or send it late. */
  hold?: { afterAccept: boolean; holdMs?: number };
  /**
   * With replyAfter or hold: handle the request only this long after it arrived (its error being
   * answered at once, or the answer held), as a backend that executes after the API timed out.
   */
  executeAfterMs?: number;
}

export interface CannedReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type Interceptor = (method: HttpMethod, path: string) => Interception | undefined;

export interface RouterOptions {
  /** The server's clock (with any injected skew). */
  clock: () => number;
  /** Request weight per IP address (shared with the WebSocket API); none: weight is not limited. */
  meter?: WeightMeter;
}

export class Router {
  private readonly routes = new Map<string, Route>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  interceptor: Interceptor | undefined;

  constructor(private readonly o: RouterOptions = { clock: () => Date.now() }) {}

  add(route: Route): void {
    this.routes.set(`${route.method} ${route.path}`, route);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET') as HttpMethod;
    const address = remoteAddress(req.socket.remoteAddress);
    const receivedAt = this.o.clock();
    const arrivedMono = performance.now();
    const rawBody = method === 'GET' ? '' : await readBody(req);
    const banned = this.o.meter?.banned(address);
    if (banned) return this.reply(res, address, refusalReply(banned));
    const plan = this.interceptor?.(method, url.pathname) ?? {};
    if (plan.delayMs) await this.sleep(plan.delayMs);
    if (res.destroyed) return;
    if (plan.replyBefore) return this.reply(res, address, plan.replyBefore);
    if (plan.hold && !plan.hold.afterAccept) return this.hold(res, address, plan.hold.holdMs, () => undefined);

    const route = this.routes.get(`${method} ${url.pathname}`);
    const ctx: RouteContext = {
      req,
      url,
      method,
      params: mergeParams(url.searchParams, rawBody),
      rawQuery: url.search.slice(1),
      rawBody,
      responseHeaders: {},
      receivedAt,
      address,
      arrivedMono,
    };
    if (route && this.o.meter) {
      const refused = this.o.meter.admit(address, typeof route.weight === 'number' ? route.weight : route.weight(ctx));
      if (refused) return this.reply(res, address, refusalReply(refused));
    }
    if (plan.executeAfterMs !== undefined && route) {
      let late: CannedReply | undefined;
      const lateRun: { answeredMono?: number } = {};
      // Answered (the error at once, or the held answer) or given up on by the client.
      res.once('close', () => (lateRun.answeredMono ??= performance.now()));
      const t = setTimeout(() => {
        this.timers.delete(t);
        if (!this.closed) void this.run(route, { ...ctx, lateRun }).then((r) => (late = r));
      }, plan.executeAfterMs);
      this.timers.add(t);
      if (plan.replyAfter) return this.reply(res, address, plan.replyAfter);
      return this.hold(res, address, plan.hold?.holdMs, () => late);
    }
    const result = route ? await this.run(route, ctx) : errorReply(errors.unknownRoute());
    if (plan.replyAfter) return this.reply(res, address, plan.replyAfter);
    if (plan.hold) return this.hold(res, address, plan.hold.holdMs, () => result);
    this.reply(res, address, result);
  }

  /** Cancels pending delays, held answers and late executions (their connections are closed by the server). */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** Runs a route's handler: its result, or its error as Binance answers it. */
  private async run(route: Route, ctx: RouteContext): Promise<CannedReply> {
    try {
      const body = await route.handle(ctx);
      return { status: 200, body, headers: ctx.responseHeaders };
    } catch (err) {
      if (err instanceof BinanceError) return errorReply(err);
      // A bug in the fake itself: answer like Binance's internal error so clients see a 5xx.
      return {
        status: 500,
        body: { code: -1000, msg: `fake-binance internal error: ${err instanceof Error ? err.message : String(err)}` },
      };
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  /**
   * Keeps the connection open without an answer; after holdMs (if given) sends the late answer
   * (`late()` at that moment), or 503 with -1007 when there is none yet.
   */
  private hold(
    res: ServerResponse,
    address: string,
    holdMs: number | undefined,
    late: () => CannedReply | undefined,
  ): void {
    if (holdMs === undefined) return; // the client's timeout or the server's close ends it
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!res.destroyed && !res.headersSent)
        this.reply(res, address, late() ?? { status: 503, body: { code: -1007, msg: TIMEOUT_MSG } });
    }, holdMs);
    this.timers.add(t);
    res.once('close', () => {
      clearTimeout(t);
      this.timers.delete(t);
    });
  }

  private reply(res: ServerResponse, address: string, r: CannedReply): void {
    if (res.destroyed || res.headersSent) return;
    const text = JSON.stringify(r.body);
    const used = String(this.o.meter?.used(address) ?? 0);
    res.writeHead(r.status, {
      'content-type': 'application/json;charset=UTF-8',
      'content-length': Buffer.byteLength(text),
      'x-mbx-used-weight': used,
      'x-mbx-used-weight-1m': used,
      ...r.headers,
    });
    res.end(text);
  }
}

function errorReply(err: BinanceError): CannedReply {
  return { status: err.status, body: { code: err.code, msg: err.message }, headers: err.headers };
}

function refusalReply(r: {
  status: number;
  code: number;
  msg: string;
  retryAfter: number;
  serverTime: number;
}): CannedReply {
  return {
    status: r.status,
    body: { code: r.code, msg: r.msg },
    headers: { 'retry-after': String(retryAfterSeconds(r.retryAfter, r.serverTime)) },
  };
}

export const TIMEOUT_MSG =
  'Timeout waiting for response from backend server. Send status unknown; execution status unknown.';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Query parameters first; body parameters only for names the query string does not carry. */
function mergeParams(query: URLSearchParams, rawBody: string): URLSearchParams {
  const merged = new URLSearchParams(query);
  if (rawBody === '') return merged;
  for (const [k, v] of new URLSearchParams(rawBody)) if (!query.has(k)) merged.append(k, v);
  return merged;
}

/** A required string parameter. */
export function required(params: URLSearchParams, name: string): string {
  const v = params.get(name);
  if (v === null || v === '') throw errors.mandatory(name);
  return v;
}

/** An optional string parameter ("" counts as absent). */
export function optional(params: URLSearchParams, name: string): string | undefined {
  const v = params.get(name);
  return v === null || v === '' ? undefined : v;
}

/** An optional integer parameter (LONG/INT in Binance's docs). */
export function optionalInt(params: URLSearchParams, name: string): number | undefined {
  const v = params.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw errors.invalidParam(name);
  return n;
}

/** `symbols=["BTCUSDT","ETHUSDT"]` (a JSON array in the query string, as Binance takes it). */
export function optionalSymbolList(params: URLSearchParams, name: string): string[] | undefined {
  const v = params.get(name);
  if (v === null || v === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    throw errors.invalidParam(name);
  }
  if (!Array.isArray(parsed) || !parsed.every((s): s is string => typeof s === 'string'))
    throw errors.invalidParam(name);
  return parsed;
}
