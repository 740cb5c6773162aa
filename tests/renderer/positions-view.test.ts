// @vitest-environment happy-dom
/// <reference lib="dom" />
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { PositionDto } from '../../shared/ipc/contract';
import { provideApi } from '../../renderer/src/api';
import { usePositionsStore } from '../../renderer/src/stores/positions';
import PositionsView from '../../renderer/src/views/PositionsView.vue';
import { seededApi } from './fake-api';

/** A position as the host reports it (distances with their real sign). */
function position(over: Partial<PositionDto>): PositionDto {
  return {
    id: 1,
    symbol: 'BTCUSDT',
    status: 'protected',
    entryPrice: '40000',
    entryTime: '2026-12-01T10:00:00.000Z',
    quantity: '0.00831',
    soldQuantity: '0',
    proceeds: '0',
    cost: '332.8',
    currentPrice: '40500',
    unrealizedPnl: '3.75',
    unrealizedPnlPercent: 1.13,
    takeProfit: '46000',
    stopLoss: '39200',
    stopLimit: '39160.8',
    toTakeProfitPercent: 13.58,
    toStopPercent: -3.21,
    ocoState: 'open',
    ...over,
  };
}

async function mountWith(list: PositionDto[]) {
  const api = seededApi().handle('positions.list', () => list);
  provideApi(api);
  const pinia = createPinia();
  setActivePinia(pinia);
  // The chart (lightweight-charts, a canvas) is not what these tests look at.
  const w = mount(PositionsView, { global: { plugins: [pinia], stubs: { PriceChart: true } } });
  await usePositionsStore().refresh();
  await flushPromises();
  return w;
}

beforeEach(() => {
  document.body.innerHTML = '';
});

describe('positions view', () => {
  it('a stop below the price: a negative distance, "away"; both legs resting: OCO open', async () => {
    const w = await mountWith([position({})]);
    expect(w.find('[data-testid="position-stop-distance-BTCUSDT"]').text()).toBe('−3.21% away');
    expect(w.find('[data-testid="position-oco-BTCUSDT"]').text()).toBe('open');
  });

  it('a stop the price fell through, triggered and not filled: said so, with a positive distance', async () => {
    const w = await mountWith([position({ currentPrice: '38700', toStopPercent: 1.29, ocoState: 'stop-triggered' })]);
    expect(w.find('[data-testid="position-stop-distance-BTCUSDT"]').text()).toBe('+1.29% (passed)');
    expect(w.find('[data-testid="position-oco-BTCUSDT"]').text()).toBe('stop triggered, not filled');
  });

  it('a stop above the price (the price fell through it): a plus sign, never the absolute value', async () => {
    const w = await mountWith([position({ currentPrice: '39082.6', toStopPercent: 0.3, ocoState: 'stop-triggered' })]);
    const shown = w.find('[data-testid="position-stop-distance-BTCUSDT"]').text();
    expect(shown).toBe('+0.3% (passed)');
    expect(shown).not.toMatch(/^[−-]/);
  });

  it('a take-profit below the price: a minus sign; above it: a plus sign', async () => {
    const w = await mountWith([
      position({ toTakeProfitPercent: 1.2 }),
      position({ id: 2, symbol: 'ETHUSDT', currentPrice: '2040', takeProfit: '2000', toTakeProfitPercent: -1.96 }),
    ]);
    const tp = (symbol: string) => w.find(`[data-testid="position-${symbol}"]`).findAll('td')[2]!.find('.sub').text();
    expect(tp('BTCUSDT')).toBe('+1.2% away');
    expect(tp('ETHUSDT')).toBe('−1.96% (passed)');
  });

  it('a distance that rounds to 0%: no sign', async () => {
    const w = await mountWith([position({ toStopPercent: -0.001 })]);
    expect(w.find('[data-testid="position-stop-distance-BTCUSDT"]').text()).toBe('0% away');
  });

  it('the exits come right after the symbol and the quantity, the symbol column stays at the left', async () => {
    const w = await mountWith([position({})]);
    const heads = w.findAll('thead th');
    const index = (testid: string) => heads.findIndex((h) => h.attributes('data-testid') === testid);
    expect(heads.slice(0, 2).map((h) => h.text())).toEqual(['Symbol', 'Quantity']);
    expect([index('positions-col-tp'), index('positions-col-sl'), index('positions-col-oco')]).toEqual([2, 3, 4]);
    expect(heads[0]!.classes()).toContain('col-symbol');
    // Each row's cells follow the headers.
    const cells = w.find('[data-testid="position-BTCUSDT"]').findAll('td');
    expect(cells[0]!.classes()).toContain('col-symbol');
    expect(cells[0]!.text()).toBe('BTCUSDT');
    expect(cells[2]!.text()).toContain('46000');
    expect(cells[3]!.find('[data-testid="position-stop-distance-BTCUSDT"]').exists()).toBe(true);
    expect(cells[4]!.attributes('data-testid')).toBe('position-oco-BTCUSDT');
  });

  it('a take-profit filling: the sold part is shown beside what is held', async () => {
    const w = await mountWith([
      position({ quantity: '0.00431', soldQuantity: '0.004', proceeds: '183.82', ocoState: 'take-profit-filling' }),
    ]);
    expect(w.find('[data-testid="position-BTCUSDT"]').text()).toContain('0.004 sold');
    expect(w.find('[data-testid="position-oco-BTCUSDT"]').text()).toBe('take-profit filling');
  });
});
