import { describe, expect, it } from 'vitest';
import { ManualRequestError } from '../../electron/core/engine/manual-flow';
import { Decimal } from '../../electron/core/money/decimal';
import { API_KEY } from '../helpers/live-harness';
import { BTC_SET as BTC, useLiveExchange } from '../helpers/live-suite';

/**
 * A trader's hands on one position, through the engine, BinanceExchange and the real `binance`
 * client on the local exchange: close one of three at market (the others stay protected), move a
 * take-profit or a stop (a new OCO at exactly the new prices, checked first), forget a position whose
 * coins were sold outside Tranche (refused while the coins are there).
 */
describe('per-position controls', () => {
  const live = useLiveExchange();
  const three = {
    prices: { BTCUSDT: 40000, ETHUSDT: 2500, BNBUSDT: 300 },
    sets: [
      { ...BTC, allocationPercent: 30 },
      { ...BTC, symbol: 'ETHUSDT', allocationPercent: 30 },
      { ...BTC, symbol: 'BNBUSDT', allocationPercent: 30 },
    ],
  };

  it('closes one position of three at market; the other two stay protected by their OCOs', async () => {
    const x = await live.start(three);
    for (const s of ['BTCUSDT', 'ETHUSDT', 'BNBUSDT']) await x.signal(s, 6);
    expect(await x.engine.closePosition('ETHUSDT')).toBe('ETHUSDT: closed at market');
    expect(x.engine.ledger.position('ETHUSDT')).toBeUndefined();
    expect(x.store.trades().map((t) => [t.symbol, t.exitReason])).toEqual([['ETHUSDT', 'manual']]);
    expect(live.working('BTCUSDT')).toEqual(['LIMIT_MAKER', 'STOP_LOSS_LIMIT']);
    expect(live.working('BNBUSDT')).toEqual(['LIMIT_MAKER', 'STOP_LOSS_LIMIT']);
    expect(live.working('ETHUSDT')).toEqual([]);
    expect(
      x.engine
        .getAllocationStatus()
        .reservations.map((r) => r.symbol)
        .sort(),
    ).toEqual(['BNBUSDT', 'BTCUSDT']);
    live.agree(x);
  });

  it('moves the stop-loss: the OCO on the exchange is replaced at exactly the new price, the take-profit kept', async () => {
    const x = await live.start();
    await x.signal('BTCUSDT', 6);
    const before = x.engine.ledger.position('BTCUSDT')!;
    const tp = before.takeProfitPrice!.toFixed();
    const said = await x.engine.moveTargets('BTCUSDT', { stop: new Decimal('39600.004') });
    expect(said).toBe(`BTCUSDT: stop ${before.stopPrice!.toFixed()} -> 39600`);
    const after = x.engine.ledger.position('BTCUSDT')!;
    expect(after.status).toBe('protected');
    expect(after.stopPrice!.toFixed()).toBe('39600');
    expect(after.takeProfitPrice!.toFixed()).toBe(tp);
    const resting = live.fake.orders(API_KEY).filter((o) => o.status === 'NEW');
    expect(resting.map((o) => [o.type, Number(o.stopPrice) || Number(o.price)]).sort()).toEqual([
      ['LIMIT_MAKER', Number(tp)],
      ['STOP_LOSS_LIMIT', 39600],
    ]);
    // The first OCO was cancelled, not left beside the new one.
    const lists = new Set(live.fake.orders(API_KEY).flatMap((o) => (o.orderListId >= 0 ? [o.orderListId] : [])));
    expect(lists.size).toBe(2);
    expect(x.store.events().some((e) => e.kind === 'manual' && /targets moved by hand: stop/.test(e.message))).toBe(
      true,
    );
    live.agree(x);
  });

  it('a move that cannot hold is refused before anything is cancelled', async () => {
    const x = await live.start();
    await x.signal('BTCUSDT', 6);
    const orders = live.fake.orderRequests().length;
    await expect(x.engine.moveTargets('BTCUSDT', { stop: new Decimal(41000) })).rejects.toThrow(
      /the stop 41000 must be below the last price 40000/,
    );
    await expect(x.engine.moveTargets('BTCUSDT', { takeProfit: new Decimal(39000) })).rejects.toThrow(
      ManualRequestError,
    );
    expect(live.fake.orderRequests().length).toBe(orders);
    expect(live.working()).toEqual(['LIMIT_MAKER', 'STOP_LOSS_LIMIT']);
    live.agree(x);
  });

  it('forgets a position whose coins were sold outside Tranche; refuses while they are on the account', async () => {
    const x = await live.start();
    await x.signal('BTCUSDT', 6);
    await expect(x.engine.forgetPosition('BTCUSDT')).rejects.toThrow(
      /the account still holds .* BTC .*close it at market instead/,
    );
    expect(x.engine.ledger.position('BTCUSDT')?.status).toBe('protected');
    // Sold in the Binance app: the OCO cancelled there, the coins gone; Tranche never heard (the
    // user data events lost), so it still believes the position protected.
    live.fake.faults.dropNextUserEvents(20);
    live.fake.cancelOrderListAsOtherClient(
      API_KEY,
      'BTCUSDT',
      x.engine.ledger.position('BTCUSDT')!.ocoListClientOrderId!,
    );
    live.fake.setBalance(API_KEY, 'BTC', '0');
    await new Promise((r) => setTimeout(r, 100));
    expect(x.engine.ledger.position('BTCUSDT')?.status).toBe('protected');
    expect(await x.engine.forgetPosition('BTCUSDT')).toBe(
      'BTCUSDT: position forgotten (the account holds 0 BTC); its reservation is released',
    );
    expect(x.engine.ledger.position('BTCUSDT')).toBeUndefined();
    expect(x.store.trades()[0]!.exitReason).toBe('external');
    expect(x.engine.getAllocationStatus().reservations).toEqual([]);
  });
});
