import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PaperExchange } from '../../electron/adapters/paper/paper-exchange';
import { Decimal } from '../../electron/core/money/decimal';
import { ExchangeError, type MarketBuyRequest, type OcoRequest } from '../../electron/core/ports/exchange';
import { harness, sets, type Harness } from '../helpers/paper-harness';
import { tempDir } from '../helpers/temp';

const BTC = { symbol: 'BTCUSDT', allocationPercent: 33.3, zScoreThreshold: 5, profitPercent: 15, stopLossPercent: 2 };
const ETH = { symbol: 'ETHUSDT', allocationPercent: 33.3, zScoreThreshold: 6, profitPercent: 22, stopLossPercent: 6 };
const BNB = { symbol: 'BNBUSDT', allocationPercent: 33.3, zScoreThreshold: 7, profitPercent: 20, stopLossPercent: 30 };

describe('engine on the paper exchange (SQLite ledger)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let h: Harness | undefined;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => {
    h?.close();
    h = undefined;
    tmp.cleanup();
  });

  async function agree(x: Harness) {
    // The ledger's quote balance is the paper account's, to the last decimal.
    expect(x.engine.ledger.balance.toFixed()).toBe((await x.paper.getBalance('USDT')).toFixed());
  }

  it('buys the reserved amount, protects it with an OCO, and closes at the take-profit', async () => {
    h = await harness(tmp.dir, sets([BTC]), { prices: { BTCUSDT: 40000 } });
    await h.candle('BTCUSDT', { h: 40100, l: 39900, c: 40000 }, 5.2);
    const p = h.engine.ledger.position('BTCUSDT')!;
    expect(p.status).toBe('protected');
    // 333.00 at 40000 * 1.0005 = 40020 -> 0.00832 BTC (step 0.00001), minus 0.1% commission in BTC, floored
    expect(p.avgPrice.toFixed()).toBe('40020');
    expect(p.boughtQty.toFixed()).toBe('0.00832');
    expect(p.sellQty.toFixed()).toBe('0.00831');
    expect(p.takeProfitPrice!.toFixed()).toBe('46023'); // 40020 * 1.15
    expect(p.stopPrice!.toFixed()).toBe('39219.6'); // 40020 * 0.98
    expect(p.stopLimitPrice!.toFixed()).toBe('39180.38'); // 39219.6 * 0.999, rounded down to the tick
    expect(h.engine.getAllocationStatus().totalReserved).toBe(333);
    expect(h.engine.getAllocationStatus().totalBalance).toBe(1000);

    await h.candle('BTCUSDT', { h: 46100, l: 40000, c: 46000 }, 1);
    expect(h.engine.ledger.position('BTCUSDT')).toBeUndefined();
    const status = h.engine.getAllocationStatus();
    expect(status.reservations).toEqual([]);
    // sold 0.00831 at 46023 = 382.45113, minus 0.1% fee = 382.06867887; spent 332.9664
    const trade = h.store.trades()[0]!;
    expect(trade.exitReason).toBe('take-profit');
    expect(trade.proceeds.toFixed()).toBe('382.06867887');
    expect(trade.pnl.toFixed()).toBe(trade.proceeds.sub('332.9664').toFixed());
    expect(status.totalBalance).toBe(new Decimal(1000).add(trade.pnl).toNumber());
    await agree(h);
  });

  it('a candle that touches both legs sells at the stop (open -> low -> high -> close)', async () => {
    h = await harness(tmp.dir, sets([BTC]), { prices: { BTCUSDT: 40000 } });
    await h.candle('BTCUSDT', { h: 40100, l: 39900, c: 40000 }, 5.2);
    // Take-profit 46023, stop 39219.6 (limit 39180.38): this candle reaches both, and a falling
    // close does not change the rule: the low comes first, the stop triggers at 39000 (below its
    // limit, so it rests), and the high then fills it at its limit.
    await h.candle('BTCUSDT', { o: 40000, h: 46100, l: 39000, c: 39500 }, 0);
    expect(h.engine.ledger.position('BTCUSDT')).toBeUndefined();
    const trade = h.store.trades()[0]!;
    expect(trade.exitReason).toBe('stop-loss');
    expect(trade.exitPrice.toFixed()).toBe('39180.38');
    await agree(h);
  });

  it('a stop triggered below its limit (a gap) rests until a later price reaches the limit', async () => {
    h = await harness(tmp.dir, sets([BTC]), { prices: { BTCUSDT: 40000 } });
    await h.candle('BTCUSDT', { h: 40100, l: 39900, c: 40000 }, 5.2);
    await h.candle('BTCUSDT', { o: 39000, h: 39100, l: 38000, c: 38500 }, 0);
    expect(h.engine.ledger.position('BTCUSDT')?.status).toBe('protected'); // triggered, limit 39180.38 not reached (high 39100)
    await h.candle('BTCUSDT', { h: 39200, l: 38800, c: 39000 }, 0);
    expect(h.engine.ledger.position('BTCUSDT')).toBeUndefined();
    const trade = h.store.trades()[0]!;
    expect(trade.exitReason).toBe('stop-loss');
    expect(trade.exitPrice.toFixed()).toBe('39180.38');
    expect(trade.pnl.isNegative()).toBe(true);
    await agree(h);
  });

  it('a stop triggered at a price between its stop and its limit sells at that price', async () => {
    h = await harness(tmp.dir, sets([BTC]), { prices: { BTCUSDT: 40000 } });
    await h.candle('BTCUSDT', { h: 40100, l: 39900, c: 40000 }, 5.2);
    // Opens at 39200 (below the stop 39219.6, above the limit 39180.38): a marketable limit, it takes at 39200.
    await h.candle('BTCUSDT', { o: 39200, h: 39300, l: 39190, c: 39250 }, 0);
    const trade = h.store.trades()[0]!;
    expect(trade.exitReason).toBe('stop-loss');
    expect(trade.exitPrice.toFixed()).toBe('39200');
    await agree(h);
  });

  it('z-score reversal: cancels the OCO, sells at market, releases', async () => {
    h = await harness(tmp.dir, sets([BTC]), { prices: { BTCUSDT: 40000 } });
    await h.candle('BTCUSDT', { h: 40100, l: 39900, c: 40000 }, 5.2);
    await h.candle('BTCUSDT', { h: 40500, l: 40000, c: 40400 }, -5.1);
    expect(h.engine.ledger.position('BTCUSDT')).toBeUndefined();
    const trade = h.store.trades()[0]!;
    expect(trade.exitReason).toBe('reversal');
    expect(trade.exitPrice.toFixed()).toBe('40379.8'); // 40400 * (1 - 0.0005)
    const listId = h.store.positionsAll()[0]!.ocoListClientOrderId!;
    const oco = await h.paper.getOco('BTCUSDT', listId);
    expect(oco?.takeProfit.status).toBe('CANCELED');
    expect(oco?.stopLoss.status).toBe('CANCELED');
    const balances = h.paper.allBalances();
    expect(balances.get('BTC')!.locked.toFixed()).toBe('0');
    await agree(h);
  });

  it('all three signals at once never over-allocate, and a 4th-order signal is refused for lack of funds', async () => {
    h = await harness(tmp.dir, sets([BTC, ETH, BNB]), { prices: { BTCUSDT: 40000, ETHUSDT: 2500, BNBUSDT: 300 } });
    // Fire all three concurrently.
    await Promise.all([
      h.candleNoWait('BTCUSDT', { h: 40000, l: 40000, c: 40000 }, 5.2),
      h.candleNoWait('ETHUSDT', { h: 2500, l: 2500, c: 2500 }, 6.1),
      h.candleNoWait('BNBUSDT', { h: 300, l: 300, c: 300 }, 7.3),
    ]);
    await h.engine.settle();
    const st = h.engine.getAllocationStatus();
    expect(st.totalReserved).toBe(999);
    expect(st.availableBalance).toBe(1);
    expect(st.allocationPercentage).toBe(99.9);
    expect(h.engine.ledger.openPositions().every((p) => p.status === 'protected')).toBe(true);
    // BTC stops out; its signal fires again while ETH and BNB still hold 666: 33.3% of ~993 > ~327 available.
    await h.candle('BTCUSDT', { h: 40000, l: 38000, c: 38500 }, 0);
    expect(h.engine.ledger.position('BTCUSDT')).toBeUndefined();
    await h.candle('BTCUSDT', { h: 38600, l: 38400, c: 38500 }, 5.5);
    const failed = h.events.find((x) => x.e.type === 'reserve-failed');
    expect(failed?.e).toMatchObject({ symbol: 'BTCUSDT', reason: 'Insufficient funds' });
    // And ETH signalling again is skipped: it already has a position.
    await h.candle('ETHUSDT', { h: 2510, l: 2490, c: 2500 }, 6.5);
    expect(h.events.at(-1)!.e).toEqual({ type: 'skip', symbol: 'ETHUSDT', reason: 'has-position' });
    await agree(h);
  });

  it('a failed buy releases its reservation', async () => {
    class RejectingBuy extends PaperExchange {
      override async marketBuyByQuote(_req: MarketBuyRequest): Promise<never> {
        throw new ExchangeError('filter', 'Filter failure: NOTIONAL', { code: -1013 });
      }
    }
    h = await harness(tmp.dir, sets([BTC]), { prices: { BTCUSDT: 40000 }, exchange: (o) => new RejectingBuy(o) });
    await h.candle('BTCUSDT', { h: 40000, l: 40000, c: 40000 }, 5.2);
    expect(h.engine.getAllocationStatus().reservations).toEqual([]);
    expect(h.types()).toContain('released');
    expect(h.store.positionsAll()[0]!.exitReason).toBe('entry-failed');
  });

  it('a buy whose answer is lost is looked up by client order id, never sent twice', async () => {
    let sent = 0;
    class LostAnswer extends PaperExchange {
      override async marketBuyByQuote(req: MarketBuyRequest): Promise<never> {
        sent++;
        await super.marketBuyByQuote(req);
        throw new ExchangeError('unknown-outcome', 'HTTP 503: outcome unknown');
      }
    }
    h = await harness(tmp.dir, sets([BTC]), { prices: { BTCUSDT: 40000 }, exchange: (o) => new LostAnswer(o) });
    await h.candle('BTCUSDT', { h: 40000, l: 40000, c: 40000 }, 5.2);
    expect(sent).toBe(1);
    expect(h.engine.ledger.position('BTCUSDT')?.status).toBe('protected');
    await agree(h);
  });

  it('an OCO rejected twice ends in a market exit, logged with the reason', async () => {
    let tries = 0;
    class RejectingOco extends PaperExchange {
      override async placeOco(_req: OcoRequest): Promise<never> {
        tries++;
        throw new ExchangeError('rejected', 'The relationship of the prices for the orders is not correct.', {
          code: -2010,
        });
      }
    }
    h = await harness(tmp.dir, sets([BTC]), { prices: { BTCUSDT: 40000 }, exchange: (o) => new RejectingOco(o) });
    await h.candle('BTCUSDT', { h: 40000, l: 40000, c: 40000 }, 5.2);
    expect(tries).toBe(2);
    expect(h.engine.ledger.position('BTCUSDT')).toBeUndefined();
    expect(h.store.trades()[0]!.exitReason).toBe('unprotectable');
    expect(h.events.filter((x) => x.e.type === 'oco-rejected')).toHaveLength(2);
    await agree(h);
  });

  it('when the price is already beyond the stop at the retry, it exits at market as a stop-loss', async () => {
    class FirstOcoFails extends PaperExchange {
      n = 0;
      override async placeOco(req: OcoRequest) {
        if (this.n++ === 0) {
          this.setPrice('BTCUSDT', 39000, 0); // the market drops below the stop meanwhile
          throw new ExchangeError('rejected', 'The relationship of the prices for the orders is not correct.', {
            code: -2010,
          });
        }
        return super.placeOco(req);
      }
    }
    h = await harness(tmp.dir, sets([BTC]), { prices: { BTCUSDT: 40000 }, exchange: (o) => new FirstOcoFails(o) });
    await h.candle('BTCUSDT', { h: 40000, l: 40000, c: 40000 }, 5.2);
    const trade = h.store.trades()[0]!;
    expect(trade.exitReason).toBe('stop-loss');
    expect(trade.exitPrice.toFixed()).toBe('38980.5');
    await agree(h);
  });

  it('emergency stop cancels every OCO, sells every position and clears every reservation', async () => {
    h = await harness(tmp.dir, sets([BTC, ETH]), { prices: { BTCUSDT: 40000, ETHUSDT: 2500 } });
    await h.candle('BTCUSDT', { h: 40000, l: 40000, c: 40000 }, 5.2);
    await h.candle('ETHUSDT', { h: 2500, l: 2500, c: 2500 }, 6.2);
    expect(h.engine.ledger.openPositions()).toHaveLength(2);
    await h.engine.emergencyStop();
    expect(h.engine.ledger.openPositions()).toHaveLength(0);
    expect(h.engine.getAllocationStatus().reservations).toEqual([]);
    expect(h.store.trades().map((t) => t.exitReason)).toEqual(['emergency', 'emergency']);
    expect(h.paper.allBalances().get('BTC')!.locked.toFixed()).toBe('0');
    // No new entries afterwards.
    await h.candle('BTCUSDT', { h: 40000, l: 40000, c: 40000 }, 9);
    expect(h.engine.ledger.openPositions()).toHaveLength(0);
    await agree(h);
  });

  it('clearAllAllocations clears every reservation and warns about positions still held', async () => {
    h = await harness(tmp.dir, sets([BTC]), { prices: { BTCUSDT: 40000 } });
    await h.candle('BTCUSDT', { h: 40000, l: 40000, c: 40000 }, 5.2);
    const r = h.engine.clearAllAllocations();
    expect(r).toEqual({ cleared: 1, withPositions: ['BTCUSDT'] });
    expect(h.engine.getAllocationStatus().totalReserved).toBe(0);
  });
});
