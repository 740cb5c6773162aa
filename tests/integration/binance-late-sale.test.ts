import { describe, expect, it } from 'vitest';
import { Decimal } from '../../electron/core/money/decimal';
import { API_KEY } from '../helpers/live-harness';
import { useLiveExchange } from '../helpers/live-suite';

const SALE = { method: 'POST', path: '/api/v3/order' } as const;
const LOOKUP = { method: 'GET', path: '/api/v3/order' } as const;
const ACCOUNT = { method: 'GET', path: '/api/v3/account' } as const;

/**
 * An exit sale whose answer was lost (Binance: -1007, "execution status unknown") and that executes
 * only after the engine has given up on it, its report lost and its look-ups failing meanwhile: the
 * coins are gone, so the position closes as sold outside Tranche. The sale is not taken as never
 * executed: it is looked up after the close (and at every reconciliation, a restart included) and,
 * once found, booked into the closed trade and its order record; the ledger's balance follows the
 * exchange's. Through the engine, BinanceExchange and the real `binance` client against the local exchange.
 */
describe('a sale that executes after its position closed', () => {
  const live = useLiveExchange();

  /** Runs the exit up to the close as sold outside; returns the exchange's late sale. */
  async function closedWithSaleUnseen(x: Awaited<ReturnType<typeof live.start>>) {
    await x.signal('BTCUSDT', 6);
    // The sale's answer is lost; it executes 800 ms later, after the look-ups (300 ms) gave up on it.
    live.fake.faults.failNext(SALE, 1, { executeAfterMs: 800 });
    // The balance read before the next sale is slow (within the 2 s request timeout): the late sale
    // executes meanwhile.
    live.fake.faults.setLatency(1200, ACCOUNT);
    const exiting = x.signal('BTCUSDT', -6);
    const saleRefused = () => {
      const p = x.engine.ledger.position('BTCUSDT');
      return !!p && x.engine.ledger.ordersOf(p.id).some((o) => o.purpose === 'exit' && o.state === 'rejected');
    };
    await x.until('the sale taken as never executed', saleRefused, 15_000);
    // Its execution report and balance event are lost, and every look-up fails for now.
    live.fake.faults.dropNextUserEvents(4);
    live.fake.faults.failNext(LOOKUP, 1000);
    await x.until('the position closed', () => x.engine.ledger.position('BTCUSDT') === undefined, 15_000);
    await exiting.catch(() => undefined);
    const sale = live.fake
      .orders(API_KEY)
      .find((o) => o.side === 'SELL' && o.type === 'MARKET' && o.status === 'FILLED');
    expect(sale, 'the late sale executed on the exchange').toBeDefined();
    // What the test is about: the sale was not found before the close, so the close kept it.
    expect(x.engine.ledger.closedSale(sale!.clientOrderId)?.state).toBe('pending');
    expect(x.store.trades().at(-1)!).toMatchObject({ exitReason: 'external' });
    expect(x.store.trades().at(-1)!.proceeds.toFixed()).toBe('0');
    return sale!;
  }

  const exchangeQuote = () => {
    const usdt = live.fake.account(API_KEY).balances.USDT!;
    return new Decimal(usdt.free).add(usdt.locked);
  };

  function expectBooked(x: Awaited<ReturnType<typeof live.start>>, clientOrderId: string) {
    const trade = x.store.trades().at(-1)!;
    const fills = x.store.fillsForOrder(clientOrderId);
    const gross = fills.reduce((a, f) => a.add(f.qty.mul(f.price)), new Decimal(0));
    const quoteFee = fills
      .filter((f) => f.commissionAsset === 'USDT')
      .reduce((a, f) => a.add(f.commission), new Decimal(0));
    expect(fills.length).toBeGreaterThan(0);
    const sold = fills.reduce((a, f) => a.add(f.qty), new Decimal(0));
    expect(trade.quantity.toFixed()).toBe(sold.toFixed());
    expect(trade.proceeds.toFixed()).toBe(gross.sub(quoteFee).toFixed());
    expect(trade.exitPrice.toFixed()).toBe(gross.div(sold).toFixed());
    expect(trade.pnl.toFixed()).toBe(trade.proceeds.sub(trade.cost).toFixed());
  }

  it('found by the look-ups after the close: booked into the trade and its order record; the balance follows the exchange', async () => {
    const x = await live.start({ harness: { timings: { exitRetryBudgetMs: 300, unknownOutcomeWindowMs: 20_000 } } });
    const sale = await closedWithSaleUnseen(x);
    // The exchange answers again: the sale is found and booked.
    live.fake.faults.reset();
    const recorded = () => {
      const position = x.store.positionsAll().find((p) => p.symbol === 'BTCUSDT')!;
      return x.store.ordersForPosition(position.id).find((o) => o.clientOrderId === sale.clientOrderId);
    };
    await x.until('the late sale booked', () => recorded()?.state === 'filled', 15_000);
    expect(recorded()!.executedQty.toFixed()).toBe(new Decimal(sale.executedQty).toFixed());
    expectBooked(x, sale.clientOrderId);
    expect(x.events.some((e) => e.type === 'warning' && /executed after its position closed/.test(e.message))).toBe(
      true,
    );
    // Never more than the account holds, before the balance check and after it.
    expect(x.engine.ledger.balance.lte(exchangeQuote())).toBe(true);
    await x.engine.checkBalance();
    live.agree(x);
    for (const e of x.events)
      if (e.type === 'balance-divergence') expect(new Decimal(e.ledger).lte(new Decimal(e.exchange))).toBe(true);
  });

  it('found by the restart: a sale still unknown when Tranche stopped is looked up at start and booked', async () => {
    const x = await live.start({ harness: { timings: { exitRetryBudgetMs: 300, unknownOutcomeWindowMs: 20_000 } } });
    const sale = await closedWithSaleUnseen(x);
    const y = await live.crashRestart();
    live.fake.faults.reset();
    const recorded = () => {
      const position = y.store.positionsAll().find((p) => p.symbol === 'BTCUSDT')!;
      return y.store.ordersForPosition(position.id).find((o) => o.clientOrderId === sale.clientOrderId);
    };
    await y.until('the late sale booked', () => recorded()?.state === 'filled', 15_000);
    expectBooked(y, sale.clientOrderId);
    await y.engine.checkBalance();
    live.agree(y);
  });
});
