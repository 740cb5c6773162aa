import { describe, expect, it } from 'vitest';
import { FeePrices } from '../../electron/core/engine/fee-prices';
import { Decimal } from '../../electron/core/money/decimal';
import type { Exchange } from '../../electron/core/ports/exchange';

/**
 * Valuing a commission paid in another asset (BNB) in the quote asset (FeePrices): the quote asset
 * as is, a followed asset at its newest price, an asset met for the first time followed at once
 * (told and counted as 0 until its price is known), one refresh at a time, a failed read keeping
 * the last price.
 */
function fees(price: (symbol: string) => Promise<Decimal>) {
  const asked: string[] = [];
  const warnings: string[] = [];
  const exchange = {
    getLastPrice: (symbol: string) => {
      asked.push(symbol);
      return price(symbol);
    },
  } as unknown as Exchange;
  return { f: new FeePrices(exchange, 'USDT', (m) => warnings.push(m)), asked, warnings };
}
const d = (v: string | number) => new Decimal(v);

describe('FeePrices', () => {
  it('the quote asset is valued as is, and never followed', async () => {
    const { f, asked } = fees(async () => d(600));
    expect(f.value('USDT', d('0.41')).toFixed()).toBe('0.41');
    f.follow('USDT');
    expect(f.followed).toEqual([]);
    await f.refresh();
    expect(asked).toEqual([]);
  });

  it('a followed asset at its price once read', async () => {
    const { f, asked, warnings } = fees(async () => d(600));
    f.follow('BNB');
    expect(f.followed).toEqual(['BNB']);
    await f.refresh();
    expect(asked).toEqual(['BNBUSDT']);
    expect(f.value('BNB', d('0.001')).toFixed()).toBe('0.6');
    expect(warnings).toEqual([]);
  });

  it('an asset met for the first time: told, counted as 0, followed and read at once', async () => {
    const { f, asked, warnings } = fees(async () => d(600));
    expect(f.value('BNB', d('0.001')).toFixed()).toBe('0');
    expect(warnings).toEqual([
      "a commission of 0.001 BNB could not be valued yet (no BNBUSDT price): counted as 0 in this trade's PnL",
    ]);
    expect(f.followed).toEqual(['BNB']);
    await f.refresh();
    expect(asked.length).toBeGreaterThanOrEqual(1);
    expect(f.value('BNB', d('0.002')).toFixed()).toBe('1.2');
  });

  it('a followed asset is not read again at every valuation', async () => {
    const { f, asked } = fees(async () => d(600));
    f.follow('BNB');
    await f.refresh();
    f.value('BNB', d(1));
    f.value('BNB', d(1));
    await f.refresh();
    expect(asked).toEqual(['BNBUSDT', 'BNBUSDT']);
  });

  it('one refresh at a time: a second call while one runs shares it', async () => {
    let release: (v: Decimal) => void = () => undefined;
    const { f, asked } = fees(() => new Promise((r) => (release = r)));
    f.follow('BNB');
    const a = f.refresh();
    const b = f.refresh();
    expect(asked).toEqual(['BNBUSDT']);
    release(d(700));
    await Promise.all([a, b]);
    expect(f.value('BNB', d(1)).toFixed()).toBe('700');
    // Done: the next one reads again.
    const c = f.refresh();
    release(d(710));
    await c;
    expect(asked).toEqual(['BNBUSDT', 'BNBUSDT']);
    expect(f.value('BNB', d(1)).toFixed()).toBe('710');
  });

  it('a failed read keeps the last price; the other assets are still read', async () => {
    let fail = false;
    const { f } = fees(async (symbol) => {
      if (fail && symbol === 'BNBUSDT') throw new Error('unreachable');
      return symbol === 'BNBUSDT' ? d(600) : d(2);
    });
    f.follow('BNB');
    f.follow('FDUSD');
    await f.refresh();
    fail = true;
    await f.refresh();
    expect(f.value('BNB', d(1)).toFixed()).toBe('600');
    expect(f.value('FDUSD', d(1)).toFixed()).toBe('2');
  });
});
