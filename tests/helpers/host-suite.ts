import { afterAll, beforeAll } from 'vitest';
import type { TradingHostOptions } from '../../electron/host/trading-host';
import type { FakeBinance } from '../../tools/fake-binance/server';
import { FakeMarket5m } from './fake-market';
import { hostHarness, type HostHarness } from './host';
import { startFake } from './live-harness';
import { tempDir } from './temp';

/** The seed's three symbols at round prices. */
const SEED_PRICES = { BTCUSDT: 42000, ETHUSDT: 2500, BNBUSDT: 300 };

export interface HostSuite {
  readonly h: HostHarness;
  readonly fake: FakeBinance;
  readonly market: FakeMarket5m;
  readonly dir: string;
}

/**
 * A TradingHost on a throwaway data folder whose market data is the local exchange's 5-minute
 * market (FakeMarket5m over the seed's symbols), for a describe block: started before its tests,
 * closed after. `host` adds options (keys, environments) that need the exchange's address.
 */
export function useHostOnLocalMarket(
  opts: { balances?: Record<string, string>; host?: (fake: FakeBinance) => Partial<TradingHostOptions> } = {},
): HostSuite {
  let tmp: ReturnType<typeof tempDir> | undefined;
  let fake: FakeBinance | undefined;
  let market: FakeMarket5m | undefined;
  let h: HostHarness | undefined;
  beforeAll(async () => {
    tmp = tempDir();
    fake = await startFake(SEED_PRICES, opts.balances);
    market = new FakeMarket5m(fake, SEED_PRICES);
    h = hostHarness(tmp.dir, {
      market: { restBaseUrl: fake.restUrl, wsBaseUrl: fake.wsUrl },
      ...opts.host?.(fake),
    });
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
    tmp?.cleanup();
  });
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`${what} is not started yet (use it inside a test)`);
    return v;
  };
  return {
    get h() {
      return need(h, 'the host');
    },
    get fake() {
      return need(fake, 'the local exchange');
    },
    get market() {
      return need(market, 'the market');
    },
    get dir() {
      return need(tmp, 'the data folder').dir;
    },
  };
}
