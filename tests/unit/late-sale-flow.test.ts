import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LateSaleFlow } from '../../electron/core/engine/late-sale-flow';
import { Decimal } from '../../electron/core/money/decimal';
import type { OrderReport } from '../../electron/core/ports/exchange';
import { FlowKit } from '../helpers/flow-kit';

/**
 * Sales that tell their outcome after their position closed (LateSaleFlow): a report of one is
 * booked into its trade, said, and the balance checked; the look-ups after the close book it when
 * found, reject it when absent, and leave it unknown when the exchange cannot be asked.
 */
let k: FlowKit;
let late: LateSaleFlow;

beforeEach(() => {
  // Look-ups that answer at once (one through the schedule), so that "absent" comes without waiting.
  k = new FlowKit({ lookupDelaysMs: [0], unknownOutcomeWindowMs: 0 });
  late = new LateSaleFlow(k.state, k.flows);
});
afterEach(() => k.close());

/** A position whose exit sale `tr-1x` was sent, its answer lost, and that closed as sold outside. */
function closedWithSaleUnknown(): void {
  const p = k.position();
  k.ledger.exitStarted(p.id, 'reversal', 'tr-1x', k.t, new Decimal('0.01'));
  k.ledger.positionClosed(p.id, 'external', k.t, new Set(['tr-1x']));
}
const filled = (): OrderReport =>
  k.report('tr-1x', {
    executedQty: new Decimal('0.01'),
    cumQuote: new Decimal(410),
    fills: [
      {
        price: new Decimal(41000),
        qty: new Decimal('0.01'),
        commission: new Decimal('0.41'),
        commissionAsset: 'USDT',
        tradeId: '5',
      },
    ],
  });
const recorded = () => k.store.ordersForPosition(1).find((o) => o.clientOrderId === 'tr-1x');

describe('bookLateSale', () => {
  it('a report of a kept sale: booked into its trade, said with its figures, the balance checked', () => {
    closedWithSaleUnknown();
    expect(late.bookLateSale(filled())).toBe(true);
    expect(k.store.trades()[0]!.proceeds.toFixed()).toBe('409.59');
    expect(recorded()?.state).toBe('filled');
    expect(k.told).toEqual([
      {
        type: 'warning',
        symbol: 'BTCUSDT',
        message:
          'a sale of BTCUSDT (tr-1x) whose outcome was unknown executed after its position closed: 0.01 BTC sold for 409.59 USDT, booked into its trade (PnL now 9.59 USDT); the balance is read from the exchange',
      },
    ]);
    expect(k.balanceChecks).toBe(1);
    // Its balance is not credited here: the check takes the exchange's.
    expect(k.ledger.balance.toFixed()).toBe('600');
  });

  it('a report that books nothing new (it expired unfilled): recorded, nothing said, no check', () => {
    closedWithSaleUnknown();
    expect(late.bookLateSale(k.report('tr-1x', { status: 'EXPIRED' }))).toBe(true);
    expect(recorded()?.state).toBe('expired');
    expect(k.ledger.closedSales()).toEqual([]);
    expect(k.told).toEqual([]);
    expect(k.balanceChecks).toBe(0);
  });

  it('a report of a sale settled already (again, or late): recognised, nothing booked or said', () => {
    closedWithSaleUnknown();
    late.bookLateSale(filled());
    k.told.length = 0;
    expect(late.bookLateSale(filled())).toBe(true);
    expect(k.told).toEqual([]);
    expect(k.store.trades()[0]!.proceeds.toFixed()).toBe('409.59');
  });

  it("the symbol's rules not loaded (its set removed since): booked with the assets the symbol names", () => {
    closedWithSaleUnknown();
    k.rulesFor = (symbol) => {
      throw new Error(`no rules for ${symbol}`);
    };
    expect(late.bookLateSale(filled())).toBe(true);
    expect(k.store.trades()[0]!.proceeds.toFixed()).toBe('409.59');
    expect(k.told[0]).toMatchObject({ message: expect.stringContaining('0.01 BTC sold for 409.59 USDT') });
  });

  it('a final report short of its fills: booked as far as it goes, kept until a look-up gives the rest', () => {
    closedWithSaleUnknown();
    const short = { ...filled(), executedQty: new Decimal('0.02') };
    expect(late.bookLateSale(short)).toBe(true);
    expect(k.ledger.closedSale('tr-1x')?.state).toBe('open');
    expect(recorded()?.state).toBe('open');
  });

  it('a report of any other order: false, nothing booked', () => {
    closedWithSaleUnknown();
    expect(late.bookLateSale({ ...filled(), clientOrderId: 'tr-9x' })).toBe(false);
    expect(k.ledger.closedSales()).toHaveLength(1);
    expect(k.told).toEqual([]);
  });
});

describe('followClosedSales', () => {
  it('found executed: booked; each kept sale is looked up once at a time', async () => {
    closedWithSaleUnknown();
    let asked = 0;
    let answer: (r: OrderReport) => void = () => undefined;
    k.exchange.getOrder = () => {
      asked++;
      return new Promise((resolve) => (answer = resolve));
    };
    late.followClosedSales();
    late.followClosedSales();
    await new Promise((r) => setTimeout(r, 5));
    expect(asked).toBe(1);
    answer(filled());
    await new Promise((r) => setTimeout(r, 5));
    expect(recorded()?.state).toBe('filled');
    expect(k.store.trades()[0]!.quantity.toFixed()).toBe('0.01');
    expect(k.ledger.closedSales()).toEqual([]);
  });

  it('absent on the exchange: rejected, no longer kept', async () => {
    closedWithSaleUnknown();
    k.exchange.getOrder = async () => undefined;
    late.followClosedSales();
    await new Promise((r) => setTimeout(r, 5));
    expect(recorded()).toMatchObject({
      state: 'rejected',
      error: 'not found on the exchange after its position closed',
    });
    expect(k.ledger.closedSales()).toEqual([]);
    expect(k.store.trades()[0]!.proceeds.toFixed()).toBe('0');
  });

  it('the exchange cannot be asked: still kept, looked up again by the next call', async () => {
    closedWithSaleUnknown();
    let asked = 0;
    k.exchange.getOrder = async () => {
      asked++;
      throw new Error('unreachable');
    };
    late.followClosedSales();
    await new Promise((r) => setTimeout(r, 5));
    expect(k.ledger.closedSale('tr-1x')?.state).toBe('pending');
    late.followClosedSales();
    await new Promise((r) => setTimeout(r, 5));
    expect(asked).toBe(2);
  });

  it('its report arrived while it was looked up: the look-up books nothing more', async () => {
    closedWithSaleUnknown();
    let answer: (r: OrderReport | undefined) => void = () => undefined;
    k.exchange.getOrder = () => new Promise((resolve) => (answer = resolve));
    late.followClosedSales();
    await new Promise((r) => setTimeout(r, 5));
    late.bookLateSale(filled());
    answer(undefined);
    await new Promise((r) => setTimeout(r, 5));
    expect(recorded()?.state).toBe('filled');
    expect(k.told).toHaveLength(1);
  });
  it('found still executing (not final): nothing booked yet, still kept for the next look-up', async () => {
    closedWithSaleUnknown();
    const partly = {
      ...filled(),
      status: 'PARTIALLY_FILLED' as const,
      executedQty: new Decimal('0.006'),
      fills: [{ ...filled().fills[0]!, qty: new Decimal('0.006') }],
    };
    k.exchange.getOrder = async () => partly;
    late.followClosedSales();
    await new Promise((r) => setTimeout(r, 5));
    expect(k.ledger.closedSale('tr-1x')?.state).toBe('pending');
    expect(k.store.trades()[0]!.quantity.toFixed()).toBe('0');
    expect(k.told).toEqual([]);
  });
});
