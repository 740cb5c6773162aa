import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualFlow, ManualRequestError } from '../../electron/core/engine/manual-flow';
import { Decimal } from '../../electron/core/money/decimal';
import type { AssetBalance } from '../../electron/core/ports/exchange';
import { FlowKit } from '../helpers/flow-kit';

/**
 * What a trader does to one position by hand (ManualFlow) on a real ledger (FlowKit; cancelling,
 * protecting and closing recorded): moving its targets, checked before anything changes, and
 * forgetting a position whose coins are gone.
 */
let k: FlowKit;
let manual: ManualFlow;
const d = (v: string | number) => new Decimal(v);

beforeEach(() => {
  k = new FlowKit();
  manual = new ManualFlow(k.state, k.flows);
  k.answers.cancelProtection = () => Promise.resolve('clear');
});
afterEach(() => k.close());

const steps = () => k.calls.map((c) => c.step);
async function refused(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (e) {
    expect(e).toBeInstanceOf(ManualRequestError);
    return (e as Error).message;
  }
  throw new Error('not refused');
}

describe('retargetLocked', () => {
  it('new take-profit and stop: the OCO cancelled, the targets recorded, a new OCO placed; said', async () => {
    const p = k.protect(k.position());
    const said = await manual.retargetLocked(p, { takeProfit: d('43000.004'), stop: d('38000.006') }, 40000);
    expect(said).toBe('BTCUSDT: take-profit 42000 -> 43000.01, stop 39200 -> 38000');
    expect(steps()).toEqual(['cancelProtection', 'protectLocked']);
    const moved = k.calls[1]!.args[0] as typeof p;
    expect(moved.params.profitPercent).toBeCloseTo(7.5, 4);
    expect(moved.params.stopLossPercent).toBeCloseTo(5, 4);
    expect(k.told).toEqual([
      {
        type: 'warning',
        symbol: 'BTCUSDT',
        message:
          'BTCUSDT: targets moved by hand (take-profit 42000 -> 43000.01, stop 39200 -> 38000); placing the new OCO',
      },
    ]);
    expect(k.store.events().at(-1)?.message).toContain('targets moved by hand: take-profit 42000 -> 43000.01');
  });

  it('one target alone: the other stays', async () => {
    const p = k.protect(k.position());
    expect(await manual.retargetLocked(p, { stop: d(39500) }, 40000)).toBe('BTCUSDT: stop 39200 -> 39500');
    k.calls.length = 0;
    const q = k.protect(k.ledger.position('BTCUSDT')!, 2);
    expect(await manual.retargetLocked(q, { takeProfit: d(41000) }, 40000)).toBe('BTCUSDT: take-profit 42000 -> 41000');
  });

  it('refused, nothing changed: no position, not protected, being sold, no target given, no price yet', async () => {
    const p = k.position();
    expect(await refused(manual.retargetLocked(p, { stop: d(39000) }, 40000))).toBe(
      'BTCUSDT is not protected right now: its targets can be moved once it is protected',
    );
    k.protect(p);
    const q = k.ledger.exitStarted(p.id, 'reversal', 'x', k.t, d('0.01'));
    expect(await refused(manual.retargetLocked(q, { stop: d(39000) }, 40000))).toBe(
      'BTCUSDT is being sold: its targets can be moved once it is protected',
    );
    k.ledger.positionClosed(p.id, 'reversal', k.t);
    expect(await refused(manual.retargetLocked(q, { stop: d(39000) }, 40000))).toBe(
      'BTCUSDT has no open position any more',
    );
    const r = k.protect(k.position());
    expect(await refused(manual.retargetLocked(r, {}, 40000))).toBe('give a new take-profit, a new stop, or both');
    expect(await refused(manual.retargetLocked(r, { stop: d(39000) }, NaN))).toBe(
      'BTCUSDT has no price yet: try again once the market has traded',
    );
    expect(await refused(manual.retargetLocked(r, { stop: d(39000) }, 0))).toBe(
      'BTCUSDT has no price yet: try again once the market has traded',
    );
    expect(steps()).toEqual([]);
  });

  it('refused: a take-profit not above the last price, a stop not below it', async () => {
    const p = k.protect(k.position());
    expect(await refused(manual.retargetLocked(p, { takeProfit: d(40000) }, 40000))).toBe(
      'the take-profit 40000 must be above the last price 40000; to sell now, close the position',
    );
    expect(await refused(manual.retargetLocked(p, { stop: d(40000) }, 40000))).toBe(
      'the stop 40000 must be below the last price 40000; to sell now, close the position',
    );
    expect(steps()).toEqual([]);
  });

  it('refused: an OCO the filters would refuse (the stop-limit leg below the minimum order value)', async () => {
    const p = k.protect(k.position());
    expect(await refused(manual.retargetLocked(p, { stop: d(100) }, 40000))).toMatch(/^the new OCO would be refused: /);
    expect(steps()).toEqual([]);
  });

  it('the OCO cannot be cancelled now: refused, nothing changed; the position closed meanwhile: said', async () => {
    const p = k.protect(k.position());
    k.answers.cancelProtection = () => Promise.resolve('live');
    expect(await refused(manual.retargetLocked(p, { stop: d(39500) }, 40000))).toBe(
      "BTCUSDT's OCO could not be cancelled now: nothing changed; try again in a moment",
    );
    k.answers.cancelProtection = () => Promise.resolve('closed');
    expect(await manual.retargetLocked(p, { stop: d(39500) }, 40000)).toBe(
      "BTCUSDT's position closed before its targets could be moved",
    );
    expect(steps()).toEqual(['cancelProtection', 'cancelProtection']);
    expect(k.ledger.position('BTCUSDT')?.params.stopLossPercent).toBe(2);
  });

  it('the OCO cancelled, but an OCO leg sold the rest meanwhile: said, no new OCO, targets unchanged', async () => {
    const p = k.protect(k.position());
    k.answers.cancelProtection = () => {
      k.ledger.positionClosed(p.id, 'take-profit', k.t);
      return Promise.resolve('clear');
    };
    expect(await manual.retargetLocked(p, { stop: d(39500) }, 40000)).toBe(
      "BTCUSDT's position closed before its targets could be moved",
    );
    expect(steps()).toEqual(['cancelProtection']);
    expect(k.told).toEqual([]);
  });
});

describe('forgetLocked', () => {
  const holds = (free: string, locked = '0') => {
    k.exchange.getAssetBalance = async (): Promise<AssetBalance> => ({ free: d(free), locked: d(locked) });
  };

  it('the coins gone: closed as external, journalled, said with what the account holds', async () => {
    const p = k.position();
    holds('0.00001');
    expect(await manual.forgetLocked(p)).toBe(
      'BTCUSDT: position forgotten (the account holds 0.00001 BTC); its reservation is released',
    );
    expect(steps()).toEqual(['cancelProtection', 'closeLocked']);
    expect(k.calls[1]!.args[1]).toBe('external');
    expect(k.store.events().at(-1)).toMatchObject({
      kind: 'manual',
      message: 'forgotten by hand: the account holds 0.00001 BTC',
    });
  });

  it('refused while the account still holds them (free or locked)', async () => {
    const p = k.position();
    holds('0', '0.01');
    expect(await refused(manual.forgetLocked(p))).toBe(
      'the account still holds 0.01 BTC (this position: 0.01): close it at market instead, or sell them in the Binance app first',
    );
    expect(steps()).toEqual([]);
  });

  it('an OCO that cannot be confirmed gone: refused; closed meanwhile: said; no position: refused', async () => {
    const p = k.protect(k.position());
    holds('0');
    k.answers.cancelProtection = () => Promise.resolve('live');
    expect(await refused(manual.forgetLocked(p))).toBe(
      "BTCUSDT's OCO could not be confirmed gone from the exchange: try again in a moment",
    );
    k.answers.cancelProtection = () => Promise.resolve('closed');
    expect(await manual.forgetLocked(p)).toBe("BTCUSDT's position closed meanwhile");
    k.answers.cancelProtection = () => {
      k.ledger.positionClosed(p.id, 'stop-loss', k.t);
      return Promise.resolve('clear');
    };
    expect(await manual.forgetLocked(p)).toBe("BTCUSDT's position closed meanwhile");
    expect(steps()).toEqual(['cancelProtection', 'cancelProtection', 'cancelProtection']);
    expect(await refused(manual.forgetLocked(p))).toBe('BTCUSDT has no open position any more');
  });
});
