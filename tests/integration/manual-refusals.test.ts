import { describe, expect, it } from 'vitest';
import { ManualRequestError } from '../../electron/core/engine/manual-flow';
import { Decimal } from '../../electron/core/money/decimal';
import { API_KEY } from '../helpers/live-harness';
import { useLiveExchange } from '../helpers/live-suite';

/**
 * What the per-position controls say, word for word, and what they leave behind: the line a move
 * returns and journals, each refusal (nothing sent to the exchange), a move right after a restart
 * (no price yet), and a forget that finds the ledger's OCO legs still "working" (ended on the
 * exchange, unheard of): they are looked up and ended, not left working in the ledger.
 */
describe('per-position controls: their words and refusals', () => {
  const live = useLiveExchange();

  async function refused(p: Promise<unknown>): Promise<ManualRequestError> {
    const e = await p.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(ManualRequestError);
    return e as ManualRequestError;
  }

  it('moving both targets says what moved, journals it and warns once', async () => {
    const x = await live.start();
    await x.signal('BTCUSDT', 6);
    const before = x.engine.ledger.position('BTCUSDT')!;
    const tp0 = before.takeProfitPrice!.toFixed();
    const st0 = before.stopPrice!.toFixed();
    const said = await x.engine.moveTargets('BTCUSDT', {
      takeProfit: new Decimal('47000.001'),
      stop: new Decimal('39000.009'),
    });
    // Take-profit rounded up to the tick, stop rounded down.
    const what = `take-profit ${tp0} -> 47000.01, stop ${st0} -> 39000`;
    expect(said).toBe(`BTCUSDT: ${what}`);
    expect(
      x.store
        .events()
        .filter((e) => e.kind === 'manual')
        .map((e) => e.message),
    ).toContain(`targets moved by hand: ${what}`);
    expect(x.events.flatMap((e) => (e.type === 'warning' ? [e.message] : []))).toContain(
      `BTCUSDT: targets moved by hand (${what}); placing the new OCO`,
    );
    const after = x.engine.ledger.position('BTCUSDT')!;
    expect([after.takeProfitPrice!.toFixed(), after.stopPrice!.toFixed()]).toEqual(['47000.01', '39000']);

    // One target only: no separator, the other kept.
    expect(await x.engine.moveTargets('BTCUSDT', { takeProfit: new Decimal(48000) })).toBe(
      'BTCUSDT: take-profit 47000.01 -> 48000',
    );
    expect(x.engine.ledger.position('BTCUSDT')!.stopPrice!.toFixed()).toBe('39000');
    live.agree(x);
  });

  it('each refusal names what is wrong and sends nothing', async () => {
    const x = await live.start();
    await x.signal('BTCUSDT', 6);
    const sent = live.fake.orderRequests().length;
    const e = await refused(x.engine.moveTargets('BTCUSDT', {}));
    expect(e.message).toBe('give a new take-profit, a new stop, or both');
    expect(e.name).toBe('ManualRequestError');
    expect((await refused(x.engine.moveTargets('BTCUSDT', { takeProfit: new Decimal(39000) }))).message).toBe(
      'the take-profit 39000 must be above the last price 40000; to sell now, close the position',
    );
    expect((await refused(x.engine.moveTargets('BTCUSDT', { stop: new Decimal(40000) }))).message).toBe(
      'the stop 40000 must be below the last price 40000; to sell now, close the position',
    );
    expect((await refused(x.engine.moveTargets('ETHUSDT', { stop: new Decimal(1) }))).message).toBe(
      'there is no open position in ETHUSDT',
    );
    expect(live.fake.orderRequests().length).toBe(sent);
    expect(live.working()).toEqual(['LIMIT_MAKER', 'STOP_LOSS_LIMIT']);
    live.agree(x);
  });

  it('right after a restart, before the market has traded, a move is refused: no price to check it against', async () => {
    const x0 = await live.start();
    await x0.signal('BTCUSDT', 6);
    const x = await live.restart();
    const sent = live.fake.orderRequests().length;
    expect((await refused(x.engine.moveTargets('BTCUSDT', { stop: new Decimal(39000) }))).message).toBe(
      'BTCUSDT has no price yet: try again once the market has traded',
    );
    expect(live.fake.orderRequests().length).toBe(sent);
    expect(x.engine.ledger.position('BTCUSDT')!.status).toBe('protected');
  });

  it('a forget ends the OCO legs the ledger still calls working, and journals what the account held', async () => {
    const x = await live.start();
    await x.signal('BTCUSDT', 6);
    const p = x.engine.ledger.position('BTCUSDT')!;
    live.fake.faults.dropNextUserEvents(20);
    live.fake.cancelOrderListAsOtherClient(API_KEY, 'BTCUSDT', p.ocoListClientOrderId!);
    live.fake.setBalance(API_KEY, 'BTC', '0');
    await new Promise((r) => setTimeout(r, 100));
    expect(x.engine.ledger.workingOrders(p.id).length).toBe(2);
    await x.engine.forgetPosition('BTCUSDT');
    const legs = x.store.ordersForPosition(p.id).filter((o) => o.purpose !== 'entry');
    expect(legs.map((o) => o.state)).toEqual(['canceled', 'canceled']);
    expect(x.store.events().find((e) => e.kind === 'manual' && e.message.startsWith('forgotten'))?.message).toBe(
      'forgotten by hand: the account holds 0 BTC',
    );
  });
  it('a move or a forget queued behind a close finds the position gone and says so', async () => {
    const x = await live.start();
    await x.signal('BTCUSDT', 6);
    const close = x.engine.closePosition('BTCUSDT');
    const move = refused(x.engine.moveTargets('BTCUSDT', { stop: new Decimal(39000) }));
    const forget = refused(x.engine.forgetPosition('BTCUSDT'));
    expect(await close).toBe('BTCUSDT: closed at market');
    expect((await move).message).toBe('BTCUSDT has no open position any more');
    expect((await forget).message).toBe('BTCUSDT has no open position any more');
    expect(x.store.trades().map((t) => t.exitReason)).toEqual(['manual']);
    live.agree(x);
  });
});
