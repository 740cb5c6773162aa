import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A minimal HTTP router speaking Binance's REST conventions: JSON bodies, errors as
 * `{"code": -1121, "msg": "Invalid symbol."}` with HTTP 400, and the X-MBX-USED-WEIGHT-1M header.
 * Signed and order routes will register here too, so handlers get the raw request.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteContext {
  req: IncomingMessage;
  url: URL;
  /** Query string parameters (and, later, form body parameters for POST). */
  params: URLSearchParams;
}

export interface Route {
  method: HttpMethod;
  path: string;
  /** Request weight counted against the per-minute limit, as Binance documents it. */
  weight: number | ((ctx: RouteContext) => number);
  handle(ctx: RouteContext): unknown;
}

/** A Binance API error: the HTTP status plus Binance's own code and message. */
export class BinanceError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export const errors = {
  mandatory: (name: string) =>
    new BinanceError(400, -1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`),
  invalidSymbol: () => new BinanceError(400, -1121, 'Invalid symbol.'),
  invalidInterval: () => new BinanceError(400, -1120, 'Invalid interval.'),
  invalidParam: (name: string) => new BinanceError(400, -1130, `Data sent for parameter '${name}' is not valid.`),
  unknownRoute: () => new BinanceError(404, -1000, 'Unknown endpoint.'),
};

export class Router {
  private readonly routes = new Map<string, Route>();
  private weightMinute = 0;
  private weightUsed = 0;

  add(route: Route): void {
    this.routes.set(`${route.method} ${route.path}`, route);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = this.routes.get(`${req.method ?? 'GET'} ${url.pathname}`);
    try {
      if (!route) throw errors.unknownRoute();
      const ctx: RouteContext = { req, url, params: url.searchParams };
      this.countWeight(typeof route.weight === 'number' ? route.weight : route.weight(ctx));
      const body = await route.handle(ctx);
      this.reply(res, 200, body);
    } catch (err) {
      if (err instanceof BinanceError) {
        this.reply(res, err.status, { code: err.code, msg: err.message });
      } else {
        // A bug in the fake itself: answer like Binance's internal error so clients see a 5xx.
        this.reply(res, 500, {
          code: -1000,
          msg: `fake-binance internal error: ${err instanceof Error ? err.message : String(err)}`,
        });
      }
    }
  }

  private countWeight(weight: number): void {
    const minute = Math.floor(Date.now() / 60_000);
    if (minute !== this.weightMinute) {
      this.weightMinute = minute;
      this.weightUsed = 0;
    }
    this.weightUsed += weight;
  }

  private reply(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json;charset=UTF-8',
      'content-length': Buffer.byteLength(text),
      'x-mbx-used-weight': String(this.weightUsed),
      'x-mbx-used-weight-1m': String(this.weightUsed),
    });
    res.end(text);
  }
}

/** A required string parameter. */
export function required(params: URLSearchParams, name: string): string {
  const v = params.get(name);
  if (v === null || v === '') throw errors.mandatory(name);
  return v;
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
