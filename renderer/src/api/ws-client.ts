import {
  MAX_REQUEST_BYTES,
  type EventChannel,
  type EventPayload,
  type RequestChannel,
  type RequestInput,
  type RequestOutput,
  type Result,
  type WireMessage,
} from '../../../shared/ipc/contract';
import type { ConnectedApi, ConnectionInfo } from './types';
import { checkEvent, checkResult } from './validate';

/** The part of the browser's WebSocket the client uses (so tests can pass a double). */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: Event) => unknown) | null;
  onclose: ((ev: CloseEvent) => unknown) | null;
  onerror: ((ev: Event) => unknown) | null;
  onmessage: ((ev: MessageEvent) => unknown) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface WsClientOptions {
  url: string;
  protocols?: string[];
  /** Check every response and event against the contract's schemas (development builds). */
  validate?: boolean;
  requestTimeoutMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  createSocket?: (url: string, protocols?: string[]) => SocketLike;
}

const OPEN = 1;

interface Pending {
  channel: RequestChannel;
  resolve: (result: Result<unknown>) => void;
  timer: ReturnType<typeof setTimeout>;
}

function failure(code: 'failed' | 'malformed' | 'unauthorized' | 'too-large', message: string): Result<never> {
  return { ok: false, error: { code, message } };
}

/**
 * TrancheApi over the host's loopback WebSocket: WireMessage framing, one socket, requests matched
 * to responses by id, events fanned out to listeners. On a dropped connection every pending request
 * fails (nothing is queued and replayed later: a trading command must not fire minutes after the
 * click), and the client reconnects with exponential back-off (0.5 s doubling to 10 s, with jitter).
 */
export class WsTrancheClient implements ConnectedApi {
  private socket: SocketLike | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<(data: unknown) => void>>();
  private readonly connectionListeners = new Set<(info: ConnectionInfo) => void>();
  private info: ConnectionInfo = {
    status: 'connecting',
    transport: 'websocket',
    attempt: 0,
    retryAt: null,
    detail: null,
  };
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private readonly options: Required<Omit<WsClientOptions, 'protocols'>> & { protocols?: string[] };

  constructor(options: WsClientOptions) {
    this.options = {
      validate: false,
      requestTimeoutMs: 30_000,
      backoffInitialMs: 500,
      backoffMaxMs: 10_000,
      createSocket: (url, protocols) => new WebSocket(url, protocols),
      ...options,
    };
  }

  start(): this {
    this.open();
    return this;
  }

  connection(): ConnectionInfo {
    return this.info;
  }

  onConnection(listener: (info: ConnectionInfo) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  reconnectNow(): void {
    if (this.closed || this.info.status === 'connected' || this.info.status === 'connecting') return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.open();
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.socket?.close(1000, 'closed by the page');
    this.socket = null;
    this.failPending('the connection was closed');
  }

  request<C extends RequestChannel>(channel: C, input: RequestInput<C>): Promise<Result<RequestOutput<C>>> {
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN || this.info.status !== 'connected') {
      return Promise.resolve(failure('failed', 'Not connected to the Tranche host'));
    }
    const id = this.nextId++;
    const message: WireMessage = { type: 'request', id, channel, input };
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch (err) {
      return Promise.resolve(failure('failed', `could not encode ${channel}: ${String(err)}`));
    }
    const bytes = new TextEncoder().encode(text).length;
    if (bytes > MAX_REQUEST_BYTES) {
      return Promise.resolve(
        failure(
          'too-large',
          `${channel}: the request is ${bytes} bytes, over the host's limit of ${MAX_REQUEST_BYTES}`,
        ),
      );
    }
    return new Promise<Result<RequestOutput<C>>>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(
          failure('failed', `${channel}: no answer from the host within ${this.options.requestTimeoutMs / 1000} s`),
        );
      }, this.options.requestTimeoutMs);
      this.pending.set(id, { channel, resolve: resolve as (r: Result<unknown>) => void, timer });
      try {
        socket.send(text);
      } catch (err) {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(failure('failed', `could not send ${channel}: ${String(err)}`));
      }
    });
  }

  on<C extends EventChannel>(channel: C, listener: (data: EventPayload<C>) => void): () => void {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
    }
    const fn = listener as (data: unknown) => void;
    set.add(fn);
    return () => set.delete(fn);
  }

  private setInfo(patch: Partial<ConnectionInfo>): void {
    this.info = { ...this.info, ...patch };
    for (const listener of [...this.connectionListeners]) listener(this.info);
  }

  private open(): void {
    if (this.closed) return;
    this.setInfo({ status: 'connecting', retryAt: null });
    let socket: SocketLike;
    try {
      socket = this.options.createSocket(this.options.url, this.options.protocols);
    } catch (err) {
      this.scheduleRetry(`cannot open the connection: ${String(err)}`);
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.setInfo({ status: 'connected', attempt: 0, retryAt: null, detail: null });
    };
    socket.onmessage = (ev) => {
      if (this.socket === socket) this.receive(ev.data);
    };
    socket.onerror = () => {
      // a close event follows; it carries what there is to say
    };
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.failPending('the connection to the host was lost before it answered');
      const why =
        ev.code === 1008 || ev.code === 4401 || ev.code === 4403
          ? 'the host refused this page (token or origin): open the link the host printed'
          : ev.reason
            ? `connection closed: ${ev.reason}`
            : 'the host is not reachable';
      this.scheduleRetry(why);
    };
  }

  private scheduleRetry(detail: string): void {
    if (this.closed) return;
    const attempt = this.info.attempt + 1;
    const base = Math.min(this.options.backoffMaxMs, this.options.backoffInitialMs * 2 ** (attempt - 1));
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.setInfo({ status: 'disconnected', attempt, retryAt: Date.now() + delay, detail });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.open();
    }, delay);
  }

  private failPending(message: string): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve(failure('failed', `${p.channel}: ${message}`));
      this.pending.delete(id);
    }
  }

  private receive(raw: unknown): void {
    let msg: WireMessage;
    try {
      msg = JSON.parse(String(raw)) as WireMessage;
    } catch {
      console.warn('ignoring a message from the host that is not JSON');
      return;
    }
    if (msg?.type === 'response' && typeof msg.id === 'number') {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      const result =
        msg.result && typeof msg.result === 'object' && 'ok' in msg.result
          ? msg.result
          : failure('malformed', `${p.channel}: the host sent a response without a result`);
      p.resolve(this.options.validate ? checkResult(p.channel, result) : result);
    } else if (msg?.type === 'event' && typeof msg.channel === 'string') {
      const set = this.listeners.get(msg.channel);
      if (!set || set.size === 0) return;
      let data = msg.data;
      if (this.options.validate) {
        const checked = checkEvent(msg.channel, data);
        if (!checked) return;
        data = checked.data;
      }
      for (const listener of [...set]) {
        try {
          listener(data);
        } catch (err) {
          console.error(`listener of ${msg.channel} failed`, err);
        }
      }
    }
  }
}
