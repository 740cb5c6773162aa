import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DueWork } from '../../electron/core/engine/due-work';
import type { ProtectionState } from '../../electron/core/engine/flow-context';
import { Decimal } from '../../electron/core/money/decimal';
import { FlowKit } from '../helpers/flow-kit';

/**
 * The engine's timed work (DueWork): what tick() runs and when, what each kind of due work does
 * with the position, and the two grace-period checks (a triggered stop that does not fill, a
 * take-profit's rest that does not fill). The other parts are recorders (FlowKit).
 */
let k: FlowKit;
let due: DueWork;
const GRACE = 10_000;

beforeEach(() => {
  k = new FlowKit({ gapGraceMs: GRACE });
  due = new DueWork(k.state, k.flows);
});
afterEach(() => k.close());

const at = (ms: number) => k.t + ms;
const schedule = (
  kind: 'protect' | 'exit' | 'recheck' | 'gap-check' | 'tp-check',
  inMs: number,
  reason?: 'reversal' | 'emergency',
) =>
  k.state.due.set('BTCUSDT', [
    ...(k.state.due.get('BTCUSDT') ?? []),
    { kind, at: at(inMs), ...(reason ? { reason } : {}) },
  ]);
const protection = (s: ProtectionState) => k.state.protection.set('BTCUSDT', s);

describe('tick', () => {
  it('runs what is due at or before now, once, and keeps what is later', async () => {
    k.position();
    schedule('recheck', 0);
    schedule('protect', 5);
    due.tick(at(0));
    await k.settle();
    expect(k.rechecks).toEqual(['BTCUSDT']);
    expect(k.steps()).toEqual([]);
    expect(k.state.due.get('BTCUSDT')!.map((d) => d.kind)).toEqual(['protect']);
    due.tick(at(4));
    await k.settle();
    expect(k.steps()).toEqual([]);
    due.tick(at(5));
    await k.settle();
    expect(k.steps()).toEqual(['protectLocked']);
    expect(k.state.due.get('BTCUSDT')).toEqual([]);
    due.tick(at(6));
    await k.settle();
    expect(k.steps()).toEqual(['protectLocked']);
  });

  it('does nothing once the engine stops', async () => {
    k.position();
    schedule('recheck', 0);
    k.stopping.abort();
    due.tick(at(1));
    await k.settle();
    expect(k.rechecks).toEqual([]);
    expect(k.state.due.get('BTCUSDT')).toHaveLength(1);
  });

  it('hasDue: true while anything is scheduled for any symbol', () => {
    expect(due.hasDue()).toBe(false);
    k.state.due.set('ETHUSDT', []);
    expect(due.hasDue()).toBe(false);
    schedule('recheck', 100);
    expect(due.hasDue()).toBe(true);
  });
});

describe('what each kind of due work does', () => {
  it('protect: only a position that is open (bought, without an order); nothing without a position', async () => {
    schedule('protect', 0);
    due.tick(at(0));
    await k.settle();
    expect(k.steps()).toEqual([]);
    const p = k.position();
    schedule('protect', 0);
    due.tick(at(0));
    await k.settle();
    expect(k.calls).toEqual([{ step: 'protectLocked', args: [p] }]);
    k.ledger.exitStarted(p.id, 'reversal', 'tr-1x', k.t);
    schedule('protect', 0);
    due.tick(at(0));
    await k.settle();
    expect(k.steps()).toEqual(['protectLocked']);
  });

  it("exit: with the scheduled reason, else the position's, else a reversal", async () => {
    const p = k.position();
    schedule('exit', 0, 'emergency');
    due.tick(at(0));
    await k.settle();
    expect(k.calls[0]!.args[1]).toBe('emergency');
    schedule('exit', 0);
    due.tick(at(0));
    await k.settle();
    expect(k.calls[1]!.args[1]).toBe('reversal');
    k.ledger.exitStarted(p.id, 'manual', 'tr-1x', k.t);
    schedule('exit', 0);
    due.tick(at(0));
    await k.settle();
    expect(k.calls[2]!.args[1]).toBe('manual');
  });
});

describe('gap check: a triggered stop that has not filled after the grace period', () => {
  beforeEach(() => {
    k.position();
  });

  it('the price below its limit: sold at market as a gapped stop, saying how long and at what prices', async () => {
    protection({ kind: 'stop-triggered', since: k.t - 12_000, limitPrice: new Decimal(39000) });
    k.exchange.getLastPrice = async () => new Decimal('38999.99');
    schedule('gap-check', 0);
    due.tick(at(0));
    await k.settle();
    expect(k.steps()).toEqual(['exitLocked']);
    expect(k.calls[0]!.args[1]).toBe('gapped-stop');
    expect(k.calls[0]!.args[2]).toBe(
      'the stop triggered 12 s ago and did not fill: the price 38999.99 is below its limit 39000',
    );
  });

  it('a stop-market (no limit): sold at market whatever the price', async () => {
    protection({ kind: 'stop-triggered', since: k.t });
    k.exchange.getLastPrice = async () => new Decimal(41000);
    schedule('gap-check', 0);
    due.tick(at(0));
    await k.settle();
    expect(k.steps()).toEqual(['exitLocked']);
    expect(k.calls[0]!.args[2]).toMatch(/the price 41000 is below its limit -$/);
  });

  it('the price at or above its limit, or no price: checked again after the grace period', async () => {
    protection({ kind: 'stop-triggered', since: k.t, limitPrice: new Decimal(39000) });
    k.exchange.getLastPrice = async () => new Decimal(39000);
    schedule('gap-check', 0);
    due.tick(at(0));
    await k.settle();
    expect(k.steps()).toEqual([]);
    expect(k.state.due.get('BTCUSDT')).toEqual([{ kind: 'gap-check', at: at(GRACE) }]);
    k.exchange.getLastPrice = async () => Promise.reject(new Error('unreachable'));
    k.t += GRACE;
    due.tick(k.t);
    await k.settle();
    expect(k.steps()).toEqual([]);
    expect(k.state.due.get('BTCUSDT')).toEqual([{ kind: 'gap-check', at: k.t + GRACE }]);
  });

  it('the stop no longer triggered (filled or replaced meanwhile): nothing, not even a new check', async () => {
    protection({ kind: 'working' });
    k.exchange.getLastPrice = async () => new Decimal(1);
    schedule('gap-check', 0);
    due.tick(at(0));
    await k.settle();
    expect(k.steps()).toEqual([]);
    expect(k.state.due.get('BTCUSDT')).toEqual([]);
  });
});

describe("take-profit check: a take-profit's rest that has not filled after the grace period", () => {
  beforeEach(() => {
    k.position();
  });
  const filling = () => protection({ kind: 'take-profit-filling', since: k.t, price: new Decimal(42000) });

  it('the price back below it: said, the rest cancelled and the coins protected by a new OCO', async () => {
    filling();
    k.exchange.getLastPrice = async () => new Decimal('41999.99');
    k.answers.cancelProtection = () => Promise.resolve('clear');
    schedule('tp-check', 0);
    due.tick(at(0));
    await k.settle();
    expect(k.steps()).toEqual(['cancelProtection', 'protectLocked']);
    expect(k.state.protection.has('BTCUSDT')).toBe(false);
    expect(k.told).toEqual([
      {
        type: 'protection',
        symbol: 'BTCUSDT',
        state: 'restored',
        message:
          "BTCUSDT: the take-profit's rest did not fill and the price fell back to 41999.99: cancelling it and protecting the rest with a new OCO",
      },
    ]);
  });

  it('the rest cannot be cancelled (it may still work): checked again, nothing placed', async () => {
    filling();
    k.exchange.getLastPrice = async () => new Decimal(41000);
    k.answers.cancelProtection = () => Promise.resolve('live');
    schedule('tp-check', 0);
    due.tick(at(0));
    await k.settle();
    expect(k.steps()).toEqual(['cancelProtection']);
    expect(k.state.due.get('BTCUSDT')).toEqual([{ kind: 'tp-check', at: at(GRACE) }]);
    expect(k.state.protection.get('BTCUSDT')?.kind).toBe('take-profit-filling');
  });

  it('the cancel sold the rest (the position closed): nothing placed', async () => {
    filling();
    k.exchange.getLastPrice = async () => new Decimal(41000);
    k.answers.cancelProtection = () => {
      const p = k.ledger.position('BTCUSDT')!;
      k.ledger.positionClosed(p.id, 'take-profit', k.t);
      return Promise.resolve('closed');
    };
    schedule('tp-check', 0);
    due.tick(at(0));
    await k.settle();
    expect(k.steps()).toEqual(['cancelProtection']);
  });

  it('the price still at or above it, or no price: checked again after the grace period', async () => {
    filling();
    k.exchange.getLastPrice = async () => new Decimal(42000);
    schedule('tp-check', 0);
    due.tick(at(0));
    await k.settle();
    expect(k.steps()).toEqual([]);
    expect(k.state.due.get('BTCUSDT')).toEqual([{ kind: 'tp-check', at: at(GRACE) }]);
    k.exchange.getLastPrice = async () => Promise.reject(new Error('unreachable'));
    due.tick(at(GRACE));
    await k.settle();
    expect(k.steps()).toEqual([]);
    expect(k.state.due.get('BTCUSDT')).toEqual([{ kind: 'tp-check', at: at(GRACE) }]);
  });

  it('a rest with no known price: the price alone decides nothing, the rest is protected again', async () => {
    protection({ kind: 'take-profit-filling', since: k.t });
    k.exchange.getLastPrice = async () => new Decimal(50000);
    k.answers.cancelProtection = () => Promise.resolve('clear');
    schedule('tp-check', 0);
    due.tick(at(0));
    await k.settle();
    expect(k.steps()).toEqual(['cancelProtection', 'protectLocked']);
  });

  it('no longer filling: nothing', async () => {
    protection({ kind: 'working' });
    schedule('tp-check', 0);
    due.tick(at(0));
    await k.settle();
    expect(k.steps()).toEqual([]);
    expect(k.state.due.get('BTCUSDT')).toEqual([]);
  });
});
