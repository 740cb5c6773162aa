import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newStats, replaySink } from '../../electron/app/feed-sinks';
import { PaperExchange } from '../../electron/adapters/paper/paper-exchange';
import { ManualClock } from '../../electron/core/ports/clock';
import { ExchangeError, type MarketSellRequest, type OcoReport } from '../../electron/core/ports/exchange';
import type { Candle } from '../../electron/core/ports/market-feed';
import { harness, sets, type Harness } from '../helpers/paper-harness';
import { ledgerProblems } from '../helpers/ledger-consistency';
import { tempDir } from '../helpers/temp';
import path from 'node:path';

/** Cases where doing the obvious thing would lose money or corrupt the ledger. */
const BTC = { symbol: 'BTCUSDT', allocationPercent: 33.3, zScoreThreshold: 5, profitPercent: 15, stopLossPercent: 2 };
const ETH = { symbol: 'ETHUSDT', allocationPercent: 33.3, zScoreThreshold: 6, profitPercent: 22, stopLossPercent: 6 };

describe('engine safety', () => {
  let tmp: ReturnType<typeof tempDir>;
  const open: Harness[] = [];
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => {
    for (const h of open.splice(0)) h.close();
    tmp.cleanup();
  });

  it('never sells at market while an OCO it could not cancel may still be live; the OCO fill still closes the position', async () => {
    let sells = 0;
    class Unreachable extends PaperExchange {
      down = false;
      override async cancelOco(symbol: string, id: string): Promise<OcoReport> {
        if (this.down) throw new ExchangeError('network', 'cannot reach Binance');
        return super.cancelOco(symbol, id);
      }
      override async getOco(symbol: string, id: string) {
        if (this.down) throw new ExchangeError('network', 'cannot reach Binance');
        return super.getOco(symbol, id);
      }
      override async marketSell(req: MarketSellRequest) {
        sells++;
        return super.marketSell(req);
      }
    }
    const h = await harness(tmp.dir, sets([BTC]), { prices: { BTCUSDT: 40000 }, exchange: (o) => new Unreachable(o) });
    open.push(h);
    await h.candle('BTCUSDT', { h: 40000, l: 40000, c: 40000 }, 6);
    (h.paper as Unreachable).down = true;
    await h.candle('BTCUSDT', { h: 40100, l: 39900, c: 40000 }, -6); // reversal while Binance is unreachable
    expect(sells).toBe(0);
    expect(h.engine.ledger.position('BTCUSDT')?.status).toBe('exiting');
    (h.paper as Unreachable).down = false;
    await h.candle('BTCUSDT', { h: 47000, l: 40000, c: 46500 }, 0); // the take-profit fills
    expect(h.engine.ledger.position('BTCUSDT')).toBeUndefined();
    expect(h.store.trades()[0]!.exitReason).toBe('take-profit');
    expect(h.engine.getAllocationStatus().reservations).toEqual([]);
    expect(h.engine.ledger.balance.toFixed()).toBe((await h.paper.getBalance('USDT')).toFixed());
  });

  it('a position whose parameter set was removed is still followed, and an emergency stop on it keeps the ledger and the exchange in agreement', async () => {
    const first = await harness(tmp.dir, sets([BTC, ETH]), { prices: { BTCUSDT: 40000, ETHUSDT: 2500 } });
    await first.candle('BTCUSDT', { h: 40000, l: 40000, c: 40000 }, 6);
    first.paper.flush();
    first.close();
    const h = await harness(tmp.dir, sets([ETH]));
    open.push(h);
    expect(
      h.events.some(
        (x) =>
          x.e.type === 'warning' &&
          /BTCUSDT holds a position but its parameter set is disabled or gone/.test(x.e.message),
      ),
    ).toBe(true);
    expect(h.engine.subscriptions().map((s) => s.symbol)).toEqual(['ETHUSDT', 'BTCUSDT']);
    await h.engine.emergencyStop();
    expect(h.engine.ledger.openPositions()).toEqual([]);
    expect(h.engine.ledger.balance.toFixed()).toBe((await h.paper.getBalance('USDT')).toFixed());
    expect(ledgerProblems(path.join(tmp.dir, 'ledger.sqlite')).problems).toEqual([]);
  });

  it('an emergency stop whose sell fails puts the OCO back on the coins, keeps that reservation and stays pending', async () => {
    class NoSell extends PaperExchange {
      override async marketSell(): Promise<never> {
        throw new ExchangeError('rejected', 'Binance rejected the order (market closed)', { code: -2010 });
      }
    }
    const h = await harness(tmp.dir, sets([BTC]), { prices: { BTCUSDT: 40000 }, exchange: (o) => new NoSell(o) });
    open.push(h);
    await h.candle('BTCUSDT', { h: 40000, l: 40000, c: 40000 }, 6);
    await h.engine.emergencyStop();
    // The coins are not left without an order: the OCO is back, and the exit is tried again.
    expect(h.engine.ledger.position('BTCUSDT')?.status).toBe('protected');
    const p = h.engine.ledger.position('BTCUSDT')!;
    expect((await h.paper.getOco('BTCUSDT', p.ocoListClientOrderId!))?.status).toBe('EXECUTING');
    expect(h.engine.getAllocationStatus().totalReserved).toBe(333);
    expect(h.engine.ledger.emergencyStopPending).toBe(true);
    expect(h.events.some((x) => x.e.type === 'error' && /emergency stop incomplete: BTCUSDT/.test(x.e.message))).toBe(
      true,
    );
  });

  it('a resumed replay trades the candles that close at the same time as the cursor candle but come after it', () => {
    const clock = new ManualClock(0);
    const warmed: string[] = [];
    const traded: string[] = [];
    const engine = {
      ledger: { candleSymbol: undefined as string | undefined },
      warm: (c: Candle) => warmed.push(`${c.symbol}@${c.closeTime}`),
      onCandle: (c: Candle) => void traded.push(`${c.symbol}@${c.closeTime}`),
    };
    const exchange = { setPrice: () => {}, onCandle: () => {} };
    const stats = newStats(2000);
    const sink = replaySink(engine as never, exchange as never, clock, 2000, stats, undefined, 'BTCUSDT');
    const c = (symbol: string, closeTime: number) =>
      ({
        symbol,
        interval: '1m',
        openTime: closeTime - 999,
        closeTime,
        open: 1,
        high: 1,
        low: 1,
        close: 1,
        volume: 1,
      }) as Candle;
    for (const x of [
      c('BTCUSDT', 1000),
      c('ETHUSDT', 1000),
      c('BTCUSDT', 2000),
      c('ETHUSDT', 2000),
      c('BTCUSDT', 3000),
    ])
      sink.onCandle(x);
    expect(warmed).toEqual(['BTCUSDT@1000', 'ETHUSDT@1000', 'BTCUSDT@2000']);
    expect(traded).toEqual(['ETHUSDT@2000', 'BTCUSDT@3000']);
  });

  it('on live prices, a candle that opened before the OCO was placed does not trigger it', async () => {
    const h = await harness(tmp.dir, sets([BTC]), { prices: { BTCUSDT: 40000 } });
    open.push(h);
    await h.candle('BTCUSDT', { h: 40000, l: 40000, c: 40000 }, 6);
    const placed = h.clock.now();
    // A late candle covering the minute before the OCO existed, whose low is below the stop.
    h.paper.onCandle({
      symbol: 'BTCUSDT',
      interval: '1m',
      openTime: placed - 60_000,
      closeTime: placed - 1,
      open: 40000,
      high: 40000,
      low: 38000,
      close: 40000,
      volume: 1,
    });
    expect(h.engine.ledger.position('BTCUSDT')?.status).toBe('protected');
    // The same range after placement triggers the stop.
    h.paper.onCandle({
      symbol: 'BTCUSDT',
      interval: '1m',
      openTime: placed + 1,
      closeTime: placed + 60_000,
      open: 40000,
      high: 40000,
      low: 38000,
      close: 39500,
      volume: 1,
    });
    expect(h.engine.ledger.position('BTCUSDT')).toBeUndefined();
    expect(h.store.trades()[0]!.exitReason).toBe('stop-loss');
  });
});
