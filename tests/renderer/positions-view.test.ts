// @vitest-environment happy-dom
/// <reference lib="dom" />
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { PositionDto } from '../../shared/ipc/contract';
import { provideApi } from '../../renderer/src/api';
import { usePositionsStore } from '../../renderer/src/stores/positions';
import { PositionsView } from '../../renderer/src/views/PositionsView';
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

  it('a take-profit filling: the sold part is shown beside what is held', async () => {
    const w = await mountWith([
      position({ quantity: '0.00431', soldQuantity: '0.004', proceeds: '183.82', ocoState: 'take-profit-filling' }),
    ]);
    expect(w.find('[data-testid="position-BTCUSDT"]').text()).toContain('0.004 sold');
    expect(w.find('[data-testid="position-oco-BTCUSDT"]').text()).toBe('take-profit filling');
  });
});
