import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { requirePermission, type AccountBook } from './accounts';
import { BinanceError, errors } from './router';
import { checkTimestamp, signatureMatches, wsApiPayloads, authErrors } from './signing';
import type { SubscriberConnection, UserStreams } from './user-stream';

/**
 * Binance's WebSocket API at /ws-api/v3, as far as a user data stream needs it: requests
 * `{id, method, params}` answered `{id, status: 200, result, rateLimits}` or
 * `{id, status: 4xx, error: {code, msg}, rateLimits}` with the id echoed as sent. Methods: ping,
 * time, session.logon (refused for HMAC keys, as on Binance), session.status, session.logout,
 * session.subscriptions, userDataStream.subscribe (needs a logged-on session, so refused here),
 * userDataStream.subscribe.signature and userDataStream.unsubscribe. A `serverShutdown` event can
 * be injected, and every connection can be cut.
 */

export interface WsApiOptions {
  accounts: AccountBook;
  userStreams: UserStreams;
  /** The server's clock (with any injected skew). */
  clock: () => number;
  /** Server ping frames (Binance: every 20 s); 0 = none (default). */
  pingIntervalMs?: number;
}

interface Connection extends SubscriberConnection {
  ws: WebSocket;
  connectedSince: number;
  weight: number;
}

type RequestId = number | string | null;

const REQUEST_WEIGHT = 2;

export class WsApiHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly connections = new Set<Connection>();
  private readonly pingTimer: NodeJS.Timeout | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
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
    if (!this.accepting) {
      socket.once('finish', () => socket.destroy());
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  connectionCount(): number {
    return this.connections.size;
  }

  /** Connections accepted since the start (reconnects included). */
  acceptedCount(): number {
    return this.accepted;
  }

  setAccepting(accepting: boolean): void {
    this.accepting = accepting;
  }

  /** Cuts every connection without a close handshake, like a network failure. */
  dropAll(): void {
    for (const c of this.connections) {
      this.o.userStreams.dropConnection(c);
      c.ws.terminate();
    }
    this.connections.clear();
  }

  /** Sends Binance's `serverShutdown` event to every connection; optionally closes them after a delay. */
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

  private accept(ws: WebSocket): void {
    const conn: Connection = {
      ws,
      connectedSince: this.o.clock(),
      nextSubscriptionId: 0,
      weight: 0,
      send: (payload) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(payload));
      },
    };
    this.accepted++;
    this.connections.add(conn);
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.onMessage(conn, rawText(data));
    });
    const gone = (): void => {
      this.connections.delete(conn);
      this.o.userStreams.dropConnection(conn);
    };
    ws.on('close', gone);
    ws.on('error', gone);
  }

  private onMessage(conn: Connection, text: string): void {
    let request: unknown;
    try {
      request = JSON.parse(text);
    } catch {
      return this.replyError(conn, null, new BinanceError(400, -1135, 'Invalid JSON Request'));
    }
    if (typeof request !== 'object' || request === null || Array.isArray(request))
      return this.replyError(conn, null, new BinanceError(400, -1135, 'Invalid JSON Request'));
    const { id: rawId, method, params } = request as { id?: unknown; method?: unknown; params?: unknown };
    const id: RequestId = typeof rawId === 'number' || typeof rawId === 'string' ? rawId : null;
    conn.weight += REQUEST_WEIGHT;
    try {
      if (typeof method !== 'string' || method === '') throw errors.mandatory('method');
      const p = (typeof params === 'object' && params !== null ? params : {}) as Record<string, unknown>;
      const after: (() => void)[] = [];
      const result = this.dispatch(conn, method.replace(/^v3\//, ''), p, after);
      this.reply(conn, { id, status: 200, result, rateLimits: this.rateLimits(conn) });
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
        this.o.accounts.require(stringParam(p, 'apiKey'));
        throw new BinanceError(400, -4056, 'HMAC_SHA256 API key is not supported.');
      }
      case 'session.status':
      case 'session.logout':
        return {
          apiKey: null,
          authorizedSince: null,
          connectedSince: conn.connectedSince,
          returnRateLimits: true,
          serverTime: this.o.clock(),
          userDataStream: this.o.userStreams.ids(conn).length > 0,
        };
      case 'session.subscriptions':
        return this.o.userStreams.ids(conn).map((subscriptionId) => ({ subscriptionId }));
      case 'userDataStream.subscribe':
        // Binance allows it only on a session logged on with an Ed25519 key; this fake has HMAC keys only.
        throw authErrors.rejectedKey();
      case 'userDataStream.subscribe.signature': {
        const apiKey = stringParam(p, 'apiKey');
        const signature = stringParam(p, 'signature');
        if (p.timestamp === undefined) throw errors.mandatory('timestamp');
        const account = this.o.accounts.require(apiKey);
        requirePermission(account, 'read');
        if (!signatureMatches(wsApiPayloads(p), signature, account.secret)) throw authErrors.badSignature();
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
        after.push(() => {
          for (const subscriptionId of ended)
            conn.send({ subscriptionId, event: { e: 'eventStreamTerminated', E: this.o.clock() } });
        });
        return {};
      }
      default:
        throw new BinanceError(400, -1000, `Unknown method '${method}'.`);
    }
  }

  private rateLimits(conn: Connection): unknown[] {
    return [{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000, count: conn.weight }];
  }

  private replyError(conn: Connection, id: RequestId, err: BinanceError): void {
    this.reply(conn, {
      id,
      status: err.status,
      error: { code: err.code, msg: err.message },
      rateLimits: this.rateLimits(conn),
    });
  }

  private reply(conn: Connection, body: unknown): void {
    conn.send(body);
  }
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
