import { afterEach, beforeEach } from 'vitest';
import type { FakeBinance, FakeBinanceOptions } from '../../tools/fake-binance/server';
import { expectAgreement, liveHarness, startFake, workingOrderTypes, type LiveHarness } from './live-harness';
import { sets } from './paper-harness';
import { tempDir } from './temp';

/** One BTCUSDT parameter set at 33.3 %, +15 % / -2 %, that the live-exchange suites trade. */
export const BTC_SET = {
  symbol: 'BTCUSDT',
  allocationPercent: 33.3,
  zScoreThreshold: 5,
  profitPercent: 15,
  stopLossPercent: 2,
  interval: '1m' as const,
};

export interface LiveSuiteStart {
  fake?: FakeBinanceOptions;
  prices?: Record<string, number>;
  balances?: Record<string, string>;
  harness?: Parameters<typeof liveHarness>[3];
  sets?: Parameters<typeof sets>[0];
  /** Runs on the exchange before the engine connects (a clock skew, a fault armed for the start). */
  beforeConnect?: (fake: FakeBinance) => void;
}

/**
 * A suite of tests each trading the local exchange through the engine: a fresh exchange, ledger
 * and temporary directory per test (closed after it), and the two promises as one check.
 */
export function useLiveExchange() {
  let tmp: ReturnType<typeof tempDir> | undefined;
  let fake: FakeBinance | undefined;
  let h: LiveHarness | undefined;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(async () => {
    await h?.close();
    h = undefined;
    await fake?.close();
    fake = undefined;
    tmp?.cleanup();
  });
  let started: LiveSuiteStart = {};
  return {
    async start(opts: LiveSuiteStart = {}): Promise<LiveHarness> {
      started = opts;
      fake = await startFake(opts.prices ?? { BTCUSDT: 40000 }, opts.balances ?? { USDT: '1000' }, opts.fake ?? {});
      opts.beforeConnect?.(fake);
      h = await liveHarness(tmp!.dir, fake, sets(opts.sets ?? [BTC_SET]), opts.harness ?? {});
      return h;
    },
    /**
     * Stops the engine (as a shutdown would), runs `whileDown` on the exchange, and starts a new
     * engine on the same ledger file: its start reconciles the ledger with the exchange.
     */
    async restart(whileDown: (fake: FakeBinance) => void | Promise<void> = () => undefined): Promise<LiveHarness> {
      await h?.close();
      h = undefined;
      await whileDown(this.fake);
      h = await liveHarness(tmp!.dir, this.fake, sets(started.sets ?? [BTC_SET]), started.harness ?? {});
      return h;
    },
    /**
     * As a crash at this moment: the ledger file is closed under the engine (nothing more is
     * recorded), its exchange connection cut, then a new engine starts on the ledger file.
     */
    async crashRestart(): Promise<LiveHarness> {
      h?.crash();
      h = undefined;
      h = await liveHarness(tmp!.dir, this.fake, sets(started.sets ?? [BTC_SET]), started.harness ?? {});
      return h;
    },
    /** Stops the engine and closes its exchange connection now (the exchange stays up). */
    async closeHarness(): Promise<void> {
      await h?.close();
      h = undefined;
    },
    get fake(): FakeBinance {
      if (!fake) throw new Error('start() first');
      return fake;
    },
    /** The ledger and the exchange agree; nothing over-allocated; every live position protected. */
    agree(x: LiveHarness): void {
      expectAgreement(this.fake, x);
    },
    working(symbol = 'BTCUSDT'): string[] {
      return workingOrderTypes(this.fake, symbol);
    },
  };
}
