import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { requirePermission, type AccountBook } from './accounts';
import type { FaultPlan } from './faults';
import { remoteAddress, retryAfterSeconds, type WeightMeter, type WeightRefusal } from './rate-limits';
import { BinanceError, errors } from './router';
import { checkTimestamp, signatureMatches, wsApiPayloads, authErrors } from './signing';
import { refuseUpgrade } from './streams';
import type { SubscriberConnection, UserStreams } from './user-stream';

/**
 * Binance's WebSocket API at /ws-api/v3, as far as a user data stream needs it: requests
 * `{id, method, params}` answered `{id, status: 200, result, rateLimits}` or
 * `{id, status: 4xx, error: {code, msg}, rateLimits}` with the id echoed as sent. Methods: ping,
 * time, session.logon (Ed25519 keys only, refused for HMAC and RSA keys as on Binance),
 * session.status, session.logout (ends a subscription started by userDataStream.subscribe, with
 * eventStreamTerminated), session.subscriptions, userDataStream.subscribe (on a logged-on session),
 * userDataStream.subscribe.signature (any key type; `recvWindow` accepted, CHANGELOG 2026-01-26) and
 * userDataStream.unsubscribe.
 *
 * Limits as Binance's (web-socket-api.md "IP limits"): connecting costs 2 weight and each request its
 * weight, counted per IP address together with REST; over the limit a request gets
 * `{status: 429, error: {code: -1003, msg, data: {serverTime, retryAfter}}}`, and an address that
 * keeps going is banned: 418 the same way, its connections closed, and its upgrades answered HTTP 418
 * with Retry-After until the ban ends. `rateLimits` reports the address's weight; `returnRateLimits`
 * (request param, or `?returnRateLimits=false` on the URL) hides it. Scripted faults: 429/418 answers
 * (faults.rateLimitWsApiNext) and refused upgrades (faults.refuseWsUpgradeNext). A `serverShutdown`
 * event can be injected, every connection can be cut, and connections can be given a lifetime
 * (Binance: 24 h) after which the server closes them. Tests can read every request received
 * (requestLog, requestCount) and every upgrade attempted (upgradeAttempts).
 */

export interface WsApiOptions {
  accounts: AccountBook;
  userStreams: UserStreams;
  /** The server's clock (with any injected skew). */
  clock: () => number;
  /** Server ping frames (Binance: every 20 s); 0 = none (default). */
  pingIntervalMs?: number;
  /** Request weight per IP address, shared with REST. */
  meter: WeightMeter;
  faults: FaultPlan;
  /** Close each connection when it reaches this age (Binance: 24 h); default: never. */
  connectionLifetimeMs?: number;
  /**
   * A WebSocket upgrade from an address over its weight limit (but not banned): refused with HTTP
   * 429 and Retry-After (default) or accepted (the docs are silent on what Binance does).
   */
  upgradeWhenLimited?: 'refuse' | 'accept';
}

/** One request as the WS API received it. */
export interface WsApiRequestRecord {
  /** Server time of arrival. */
  time: number;
  method: string;
  id: RequestId;
  address: string;
  /** The connection's number (in order of acceptance, from 1). */
  connection: number;
}

/** One WebSocket upgrade attempt: its HTTP answer (101 when accepted). */
export interface UpgradeAttempt {
  time: number;
  address: string;
  status: number;
}

interface Session {
  apiKey: string;
  authorizedSince: number;
}

interface Connection extends SubscriberConnection {
  ws: WebSocket;
  serial: number;
  address: string;
  connectedSince: number;
  returnRateLimits: boolean;
  session: Session | undefined;
  lifetime: NodeJS.Timeout | undefined;
}

type RequestId = number | string | null;

/** Request weights from web-socket-api.md (ping and time 1; session and user data stream methods 2). */
const METHOD_WEIGHT: Record<string, number> = {
  ping: 1,
  time: 1,
  'session.logon': 2,
  'session.status': 2,
  'session.logout': 2,
  'session.subscriptions': 2,
  'userDataStream.subscribe': 2,
  'userDataStream.subscribe.signature': 2,
  'userDataStream.unsubscribe': 2,
};
const CONNECT_WEIGHT = 2;
/** Close code for a banned address's connections (the docs say only "you will be disconnected"). */
const BANNED_CLOSE_CODE = 1008;

export class WsApiHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly connections = new Set<Connection>();
  private readonly pingTimer: NodeJS.Timeout | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly log: WsApiRequestRecord[] = [];
  private readonly attempts: UpgradeAttempt[] = [];
  private accepting = true;
  private accepted = 0;

  constructor(private readonly o: WsApiOptions) {
    const every = o.pingIntervalMs ?? 0;
    if (every > 0) {
      this.pingTimer = setInterval(() => {
        for (const c of this.connections) c.ws.ping();
      }, every);
      this.pingTimer.unref();
    }
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const address = remoteAddress(req.socket.remoteAddress);
    const attempt: UpgradeAttempt = { time: this.o.clock(), address, status: 101 };
    this.attempts.push(attempt);
    const refuse = (status: number, headers: Record<string, string> = {}): void => {
      attempt.status = status;
      refuseUpgrade(socket, status, headers);
    };
    const scripted = this.o.faults.takeUpgradeRefusal();
    if (scripted !== undefined) return refuse(scripted);
    if (!this.accepting) return refuse(503);
    const banned = this.o.meter.banned(address);
    if (banned) return refuse(418, retryAfterHeader(banned));
    const over = this.o.meter.used(address) + CONNECT_WEIGHT > this.o.meter.limit;
    // Over the limit and configured to accept: let it in without counting (the docs are silent).
    if (!over || (this.o.upgradeWhenLimited ?? 'refuse') === 'refuse') {
      const refused = this.o.meter.admit(address, CONNECT_WEIGHT);
      if (refused) return refuse(refused.status, retryAfterHeader(refused));
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const returnRateLimits = url.searchParams.get('returnRateLimits') !== 'false';
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, address, returnRateLimits));
  }

  connectionCount(): number {
    return this.connections.size;
  }

  /** Connections accepted since the start (reconnects included). */
  acceptedCount(): number {
    return this.accepted;
  }

  /** Every upgrade attempted, accepted (status 101) or refused (its HTTP status). */
  upgradeAttempts(): UpgradeAttempt[] {
    return this.attempts.map((a) => ({ ...a }));
  }

  /** Every request received, in order (e.g. each userDataStream.subscribe.signature and when it came). */
  requestLog(): WsApiRequestRecord[] {
    return this.log.map((r) => ({ ...r }));
  }

  /** How many requests were received (of one method, e.g. "userDataStream.subscribe.signature", or all). */
  requestCount(method?: string): number {
    return this.log.filter((r) => method === undefined || r.method === method).length;
  }

  setAccepting(accepting: boolean): void {
    this.accepting = accepting;
  }

  /** Cuts every connection without a close handshake, like a network failure. */
  dropAll(): void {
    for (const c of this.connections) this.forget(c);
    for (const c of [...this.connections]) c.ws.terminate();
    this.connections.clear();
  }

  /** Closes the connections of a banned address (after what is being sent to them has gone out). */
  disconnectAddress(address: string): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      for (const c of this.connections) if (c.address === address) c.ws.close(BANNED_CLOSE_CODE, 'IP banned');
    }, 0);
    this.timers.add(t);
  }

  /**
   * Sends Binance's `serverShutdown` event (web-socket-api.md "Server Shutdown":
   * `{"event": {"e": "serverShutdown", "E": ...}}`) to every connection; optionally closes them after a delay.
   */
  sendServerShutdown(closeAfterMs?: number): void {
    for (const c of this.connections) c.send({ event: { e: 'serverShutdown', E: this.o.clock() } });
    if (closeAfterMs === undefined) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      for (const c of this.connections) c.ws.close(1001, 'server shutdown');
    }, closeAfterMs);
    this.timers.add(t);
  }

  async close(): Promise<void> {
    if (this.pingTimer) clearInterval(this.pingTimer);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.dropAll();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(ws: WebSocket, address: string, returnRateLimits: boolean): void {
    const conn: Connection = {
      ws,
      serial: ++this.accepted,
      address,
      connectedSince: this.o.clock(),
      returnRateLimits,
      session: undefined,
      nextSubscriptionId: 0,
      lifetime: undefined,
      send: (payload) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(payload));
      },
    };
    this.connections.add(conn);
    const lifetime = this.o.connectionLifetimeMs;
    // The docs say a connection "is only valid for 24 hours; expect to be disconnected" (how: silent; a normal close here).
    if (lifetime !== undefined)
      conn.lifetime = setTimeout(() => ws.close(1000, 'connection lifetime reached'), lifetime);
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.onMessage(conn, rawText(data));
    });
    const gone = (): void => {
      this.connections.delete(conn);
      this.forget(conn);
    };
    ws.on('close', gone);
    ws.on('error', gone);
  }

  private forget(conn: Connection): void {
    if (conn.lifetime) clearTimeout(conn.lifetime);
    conn.lifetime = undefined;
    this.o.userStreams.dropConnection(conn);
  }

  private onMessage(conn: Connection, text: string): void {
    let request: unknown;
    try {
      request = JSON.parse(text);
    } catch {
      return this.replyError(conn, null, new BinanceError(400, -1135, 'Invalid JSON Request'), conn.returnRateLimits);
    }
    if (typeof request !== 'object' || request === null || Array.isArray(request))
      return this.replyError(conn, null, new BinanceError(400, -1135, 'Invalid JSON Request'), conn.returnRateLimits);
    const { id: rawId, method, params } = request as { id?: unknown; method?: unknown; params?: unknown };
    const id: RequestId = typeof rawId === 'number' || typeof rawId === 'string' ? rawId : null;
    const p = (typeof params === 'object' && params !== null ? params : {}) as Record<string, unknown>;
    const name = typeof method === 'string' ? method.replace(/^v3\//, '') : '';
    const showLimits = typeof p.returnRateLimits === 'boolean' ? p.returnRateLimits : conn.returnRateLimits;
    this.log.push({ time: this.o.clock(), method: name, id, address: conn.address, connection: conn.serial });

    const scripted = this.o.faults.takeWsApiRateLimit();
    if (scripted) {
      const status = scripted.status ?? 429;
      const now = this.o.clock();
      const retryAfter = now + (scripted.retryAfterMs ?? (status === 418 ? 120_000 : 30_000));
      this.replyRefusal(conn, id, showLimits, {
        status,
        code: -1003,
        msg:
          status === 418
            ? `Way too much request weight used; IP banned until ${retryAfter}. Please use WebSocket Streams for live updates to avoid bans.`
            : `Too much request weight used; current limit is ${this.o.meter.limit} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.`,
        retryAfter,
        serverTime: now,
      });
      if (status === 418) this.closeLater(conn);
      return;
    }
    const refused = this.o.meter.admit(conn.address, METHOD_WEIGHT[name] ?? 1);
    if (refused) return this.replyRefusal(conn, id, showLimits, refused);

    try {
      if (name === '') throw errors.mandatory('method');
      const after: (() => void)[] = [];
      const result = this.dispatch(conn, name, p, after);
      this.reply(conn, { id, status: 200, result }, showLimits);
      for (const f of after) f();
    } catch (err) {
      this.replyError(
        conn,
        id,
        err instanceof BinanceError
          ? err
          : new BinanceError(
              500,
              -1000,
              `fake-binance internal error: ${err instanceof Error ? err.message : String(err)}`,
            ),
        showLimits,
      );
    }
  }

  private dispatch(conn: Connection, method: string, p: Record<string, unknown>, after: (() => void)[]): unknown {
    switch (method) {
      case 'ping':
        return {};
      case 'time':
        return { serverTime: this.o.clock() };
      case 'session.logon': {
        const apiKey = stringParam(p, 'apiKey');
        const signature = stringParam(p, 'signature');
        const account = this.o.accounts.require(apiKey);
        // "Only Ed25519 keys are supported for this feature." The error for other key types is not
        // documented; HMAC_SHA256 / RSA in this message are the fake's wording.
        if (account.keyType !== 'ed25519')
          throw new BinanceError(
            400,
            -4056,
            `${account.keyType === 'hmac' ? 'HMAC_SHA256' : 'RSA'} API key is not supported.`,
          );
        if (p.timestamp === undefined) throw errors.mandatory('timestamp');
        if (!signatureMatches(wsApiPayloads(p), signature, account)) throw authErrors.badSignature();
        checkTimestamp(p.timestamp, p.recvWindow, this.o.clock());
        conn.session = { apiKey, authorizedSince: this.o.clock() };
        return this.sessionStatus(conn);
      }
      case 'session.status':
        return this.sessionStatus(conn);
      case 'session.logout': {
        conn.session = undefined;
        // "session.logout will only close the subscription created with userDataStream.subscribe".
        const ended = this.o.userStreams.unsubscribe(conn, undefined, 'logon');
        after.push(() => this.terminated(conn, ended));
        return this.sessionStatus(conn);
      }
      case 'session.subscriptions':
        return this.o.userStreams.ids(conn).map((subscriptionId) => ({ subscriptionId }));
      case 'userDataStream.subscribe': {
        // Needs a session logged on with an Ed25519 key (session.logon).
        if (!conn.session) throw authErrors.rejectedKey();
        const account = this.o.accounts.require(conn.session.apiKey);
        requirePermission(account, 'read');
        return { subscriptionId: this.o.userStreams.subscribe(conn, account.apiKey, 'logon') };
      }
      case 'userDataStream.subscribe.signature': {
        const apiKey = stringParam(p, 'apiKey');
        const signature = stringParam(p, 'signature');
        if (p.timestamp === undefined) throw errors.mandatory('timestamp');
        const account = this.o.accounts.require(apiKey);
        requirePermission(account, 'read');
        if (!signatureMatches(wsApiPayloads(p), signature, account)) throw authErrors.badSignature();
        checkTimestamp(p.timestamp, p.recvWindow, this.o.clock());
        return { subscriptionId: this.o.userStreams.subscribe(conn, apiKey) };
      }
      case 'userDataStream.unsubscribe': {
        const only = p.subscriptionId === undefined ? undefined : Number(p.subscriptionId);
        if (only !== undefined && !Number.isSafeInteger(only)) throw errors.invalidParam('subscriptionId');
        const ended = this.o.userStreams.unsubscribe(conn, only);
        if (only !== undefined && ended.length === 0)
          throw new BinanceError(400, -2036, 'User Data Stream subscription not active.');
        // Binance confirms the end of each subscription with an eventStreamTerminated event.
        after.push(() => this.terminated(conn, ended));
        return {};
      }
      default:
        throw new BinanceError(400, -1000, `Unknown method '${method}'.`);
    }
  }

  private terminated(conn: Connection, subscriptionIds: readonly number[]): void {
    for (const subscriptionId of subscriptionIds)
      conn.send({ subscriptionId, event: { e: 'eventStreamTerminated', E: this.o.clock() } });
  }

  private sessionStatus(conn: Connection): Record<string, unknown> {
    return {
      apiKey: conn.session?.apiKey ?? null,
      authorizedSince: conn.session?.authorizedSince ?? null,
      connectedSince: conn.connectedSince,
      returnRateLimits: conn.returnRateLimits,
      serverTime: this.o.clock(),
      userDataStream: this.o.userStreams.ids(conn).length > 0,
    };
  }

  private closeLater(conn: Connection): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      conn.ws.close(BANNED_CLOSE_CODE, 'IP banned');
    }, 0);
    this.timers.add(t);
  }

  private rateLimits(conn: Connection): unknown[] {
    return [
      {
        rateLimitType: 'REQUEST_WEIGHT',
        interval: 'MINUTE',
        intervalNum: 1,
        limit: this.o.meter.limit,
        count: this.o.meter.used(conn.address),
      },
    ];
  }

  /** 429 / 418 with -1003 and `data: {serverTime, retryAfter}` (web-socket-api.md "IP limits"). */
  private replyRefusal(conn: Connection, id: RequestId, showLimits: boolean, r: WeightRefusal): void {
    this.reply(
      conn,
      {
        id,
        status: r.status,
        error: { code: r.code, msg: r.msg, data: { serverTime: r.serverTime, retryAfter: r.retryAfter } },
      },
      showLimits,
    );
  }

  private replyError(conn: Connection, id: RequestId, err: BinanceError, showLimits: boolean): void {
    this.reply(conn, { id, status: err.status, error: { code: err.code, msg: err.message } }, showLimits);
  }

  private reply(conn: Connection, body: Record<string, unknown>, showLimits: boolean): void {
    conn.send(showLimits ? { ...body, rateLimits: this.rateLimits(conn) } : body);
  }
}

function retryAfterHeader(r: WeightRefusal): Record<string, string> {
  return { 'Retry-After': String(retryAfterSeconds(r.retryAfter, r.serverTime)) };
}

function stringParam(p: Record<string, unknown>, name: string): string {
  const v = p[name];
  if (typeof v !== 'string' || v === '') throw errors.mandatory(name);
  return v;
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
