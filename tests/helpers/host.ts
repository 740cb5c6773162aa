import { EnvSecretStore } from '../../electron/adapters/secrets/env-secret-store';
import { KeytarSecretStore } from '../../electron/adapters/secrets/keytar-secret-store';
import { createDispatcher, type Dispatcher } from '../../electron/host/dispatcher';
import { TradingHost, type TradingHostOptions } from '../../electron/host/trading-host';
import type { EventChannel, EventPayload, Result } from '../../shared/ipc/contract';
import { testServiceName } from '../secrets/keychain';

interface SeenEvent {
  channel: EventChannel;
  data: unknown;
}

export interface HostHarness {
  host: TradingHost;
  dispatcher: Dispatcher;
  /** Every event that passed the contract, in order. */
  events: SeenEvent[];
  /** The data of every event on a channel. */
  seen<C extends EventChannel>(channel: C): EventPayload<C>[];
  /** A request that must succeed: its data. */
  ok<T = unknown>(channel: string, input?: unknown): Promise<T>;
  request(channel: string, input?: unknown): Promise<Result<unknown>>;
  /** Waits until an event satisfies `match` (already seen ones count). */
  waitFor<C extends EventChannel>(
    channel: C,
    match: (d: EventPayload<C>) => boolean,
    ms?: number,
  ): Promise<EventPayload<C>>;
  close(): Promise<void>;
}

/**
 * A TradingHost on a data folder with the real dispatcher in front, as a transport sees it. Its
 * keychain is the OS keychain under a throwaway service name; no BINANCE_API_* variables; market
 * data for symbols.list points at a closed local port, so nothing reaches Binance.
 */
export function hostHarness(dataDir: string, opts: Partial<TradingHostOptions> = {}): HostHarness {
  const host = new TradingHost({
    dataDir,
    keychain: new KeytarSecretStore({ service: testServiceName() }),
    env: new EnvSecretStore({}),
    market: { restBaseUrl: 'http://127.0.0.1:9', wsBaseUrl: 'ws://127.0.0.1:9' },
    ...opts,
  });
  const dispatcher = createDispatcher({ handlers: host.handlers(), events: host });
  const events: SeenEvent[] = [];
  const waiters = new Set<() => void>();
  dispatcher.onEvent((channel, data) => {
    events.push({ channel, data });
    for (const w of [...waiters]) w();
  });
  const seen = <C extends EventChannel>(channel: C) =>
    events.filter((e) => e.channel === channel).map((e) => e.data as EventPayload<C>);
  return {
    host,
    dispatcher,
    events,
    seen,
    request: (channel, input = {}) => dispatcher.request(channel, input),
    async ok<T>(channel: string, input: unknown = {}) {
      const r = await dispatcher.request(channel, input);
      if (!r.ok) throw new Error(`${channel} failed: ${r.error.code} ${r.error.message}`);
      return r.data as T;
    },
    waitFor(channel, match, ms = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = seen(channel).find(match);
          if (hit === undefined) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${channel} event as expected within ${ms} ms`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    async close() {
      dispatcher.close();
      await host.close();
    },
  };
}
