/**
 * The headless host's transport: one HTTP server on 127.0.0.1 that serves the built renderer
 * (out/renderer) and carries the IPC contract over a WebSocket at /ipc.
 *
 * How a browser connects:
 *  1. Open the URL the host prints, http://127.0.0.1:PORT/#token=TOKEN (TOKEN: 64 hex digits, 32
 *     random bytes minted at each launch; the fragment never reaches the server or its logs).
 *  2. The page reads the token from location.hash and opens
 *       new WebSocket(`ws://${location.host}/ipc`, ['tranche.v1', `tranche.token.${TOKEN}`])
 *     i.e. the token travels in the Sec-WebSocket-Protocol header, never in a URL (a ?token= query
 *     is NOT accepted). The server answers with the subprotocol 'tranche.v1' (or, when the page
 *     offered only the token protocol, with that one, as a WebSocket handshake must name one of the
 *     offered protocols).
 *  3. The upgrade is refused before any WebSocket exists unless: the path is /ipc (else 404), the
 *     Host header is 127.0.0.1:PORT and the Origin header is exactly http://127.0.0.1:PORT (else
 *     403: other sites, DNS rebinding), and the token is offered and right (else 401).
 *
 * Messages are the contract's WireMessage as JSON text frames:
 *   page -> host  {type:'request', id, channel, input}     (id: a positive integer the page chooses)
 *   host -> page  {type:'response', id, result}            (result: the dispatcher's Result)
 *   host -> page  {type:'event', channel, data}            (every event, to every connected page)
 * A message that is not JSON, or has no numeric id, is answered with id 0 and code 'malformed'; one
 * with an id but no valid request shape gets 'malformed' with its id. The socket stays open, unless
 * a page keeps sending garbage (then it is closed with 1008). Nothing a page sends can stop the host.
 *
 * Static files: GET and HEAD only, the renderer's Content Security Policy on every answer, no
 * directory listing, no path outside out/renderer (see static-files.ts).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_REQUEST_BYTES, type WireMessage } from '../../shared/ipc/contract';
import { contentSecurityPolicy } from './csp';
import type { Dispatcher } from './dispatcher';
import { depthProblem } from '../../shared/params/json-limits';
import { resolveStaticPath } from './static-files';

const WS_PATH = '/ipc';
const WS_SUBPROTOCOL = 'tranche.v1';
const WS_TOKEN_PREFIX = 'tranche.token.';

/** A request larger than this is answered with a named error ('too-large'), unread. */
const MAX_MESSAGE_BYTES = MAX_REQUEST_BYTES;
/** Beyond this the WebSocket itself closes the socket (1009): nothing that big is even buffered. */
const MAX_FRAME_BYTES = 16 << 20;
/** A page whose unread answers and events pass this is disconnected (it is not reading). */
const MAX_BUFFERED_BYTES = 8 << 20;
const MAX_MALFORMED = 50;

export interface WsHostOptions {
  dispatcher: Dispatcher;
  /** The built renderer (index.html and its assets). */
  rendererDir: string;
  /** Port on 127.0.0.1; 0 (default) lets the OS choose. */
  port?: number;
  /** The per-launch token (default: 32 random bytes, hex). */
  token?: string;
  log?: (message: string) => void;
}

export interface WsHost {
  /** What to open in a browser: http://127.0.0.1:PORT/#token=TOKEN */
  url: string;
  /** http://127.0.0.1:PORT: the only Origin allowed on /ipc. */
  origin: string;
  port: number;
  token: string;
  /** Connected (authenticated) pages. */
  clients(): number;
  close(): Promise<void>;
}

function securityHeaders(connect: string): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy({ connect: [connect] }),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-cache',
  };
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function offeredProtocols(req: IncomingMessage): string[] {
  const raw = req.headers['sec-websocket-protocol'];
  if (typeof raw !== 'string') return [];
  return raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

function refuseUpgrade(socket: Socket, status: number, reason: string): void {
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.destroy();
}

export async function startWsHost(opts: WsHostOptions): Promise<WsHost> {
  const token = opts.token ?? randomBytes(32).toString('hex');
  const log = opts.log ?? (() => undefined);
  let port = 0;
  let origin = '';
  let wsOrigin = '';
  const expectedHost = () => `127.0.0.1:${port}`;

  const server = createServer((req, res) => serveStatic(req, res));
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    perMessageDeflate: false,
    // The token was checked before the upgrade; name 'tranche.v1' when offered, else the token protocol.
    handleProtocols: (protocols) =>
      protocols.has(WS_SUBPROTOCOL)
        ? WS_SUBPROTOCOL
        : ([...protocols].find((p) => p.startsWith(WS_TOKEN_PREFIX)) ?? false),
  });

  function serveStatic(req: IncomingMessage, res: ServerResponse): void {
    const headers = securityHeaders(wsOrigin);
    const fail = (status: number, text: string, extra: Record<string, string> = {}) => {
      res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', ...extra });
      res.end(req.method === 'HEAD' ? undefined : `${text}\n`);
    };
    if (req.headers.host !== expectedHost()) return fail(403, 'Forbidden: unexpected Host');
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
    const urlPath = (req.url ?? '/').split(/[?#]/)[0]!;
    if (urlPath === WS_PATH) return fail(426, 'Upgrade Required', { Upgrade: 'websocket' });
    const found = resolveStaticPath(opts.rendererDir, urlPath);
    if (found.kind === 'bad-request') return fail(400, 'Bad Request');
    if (found.kind === 'forbidden') return fail(403, 'Forbidden');
    if (found.kind === 'not-found') return fail(404, 'Not Found');
    fs.stat(found.file, (err, stat) => {
      if (err) return fail(404, 'Not Found');
      res.writeHead(200, { ...headers, 'Content-Type': found.contentType, 'Content-Length': String(stat.size) });
      if (req.method === 'HEAD') return res.end();
      fs.createReadStream(found.file)
        .on('error', () => res.destroy())
        .pipe(res);
    });
  }

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => undefined);
    const urlPath = (req.url ?? '/').split(/[?#]/)[0];
    if (urlPath !== WS_PATH) return refuseUpgrade(socket, 404, 'Not Found');
    if (req.headers.host !== expectedHost()) return refuseUpgrade(socket, 403, 'Forbidden');
    if (req.headers.origin !== origin) return refuseUpgrade(socket, 403, 'Forbidden');
    const protocols = offeredProtocols(req);
    const offered = protocols.find((p) => p.startsWith(WS_TOKEN_PREFIX));
    if (!offered) return refuseUpgrade(socket, 401, 'Unauthorized');
    if (!sameToken(offered.slice(WS_TOKEN_PREFIX.length), token)) return refuseUpgrade(socket, 401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    let malformed = 0;
    // Every send is guarded: an answer that cannot be serialised becomes a named error, and a page
    // that does not read what it is sent is disconnected before the host buffers without bound.
    const send = (m: WireMessage) => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        log('a page is not reading its answers: disconnected');
        ws.terminate();
        return;
      }
      let text: string;
      try {
        text = JSON.stringify(m);
      } catch {
        if (m.type !== 'response') return;
        text = JSON.stringify({
          type: 'response',
          id: m.id,
          result: { ok: false, error: { code: 'failed', message: 'the answer could not be encoded' } },
        } satisfies WireMessage);
      }
      ws.send(text);
    };
    const refuse = (id: number, message: string, code: 'malformed' | 'too-large' = 'malformed') => {
      send({ type: 'response', id, result: { ok: false, error: { code, message } } });
      if (++malformed > MAX_MALFORMED) ws.close(1008, 'too many malformed messages');
    };
    ws.on('error', () => undefined);
    ws.on('message', (raw, isBinary) => {
      if (isBinary) return refuse(0, 'binary frames are not understood: send WireMessage JSON as text');
      const size = Array.isArray(raw)
        ? raw.reduce((n, b) => n + b.length, 0)
        : (raw as Buffer | ArrayBuffer).byteLength;
      if (size > MAX_MESSAGE_BYTES)
        return refuse(
          0,
          `a request of ${size} bytes is over the limit of ${MAX_MESSAGE_BYTES} bytes: not read`,
          'too-large',
        );
      const text = String(raw);
      const deep = depthProblem(text, 'the request');
      if (deep) return refuse(0, deep);
      let msg: unknown;
      try {
        msg = JSON.parse(text);
      } catch {
        return refuse(0, 'not JSON: send a WireMessage {type:"request", id, channel, input}');
      }
      const m = (typeof msg === 'object' && msg !== null ? msg : {}) as Partial<Record<string, unknown>>;
      const id = m.id;
      if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) {
        return refuse(0, 'a request needs a positive integer id');
      }
      if (m.type !== 'request')
        return refuse(id, `message type ${JSON.stringify(m.type).slice(0, 40)} is not understood: only "request"`);
      if (typeof m.channel !== 'string') return refuse(id, 'a request needs a channel');
      opts.dispatcher.request(m.channel, m.input).then(
        (result) => send({ type: 'response', id, result }),
        () =>
          send({ type: 'response', id, result: { ok: false, error: { code: 'failed', message: 'unexpected error' } } }),
      );
    });
  });

  const unsubscribe = opts.dispatcher.onEvent((channel, data) => {
    const text = JSON.stringify({ type: 'event', channel, data } satisfies WireMessage);
    for (const ws of wss.clients) {
      if (ws.readyState !== ws.OPEN) continue;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        log('a page is not reading its events: disconnected');
        ws.terminate();
        continue;
      }
      ws.send(text);
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  wsOrigin = `ws://127.0.0.1:${port}`;

  return {
    url: `${origin}/#token=${token}`,
    origin,
    port,
    token,
    clients: () => wss.clients.size,
    close: async () => {
      unsubscribe();
      for (const ws of wss.clients) ws.close(1001, 'host stopping');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
