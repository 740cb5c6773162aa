import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { ChartDto, PositionDto } from '../../../shared/ipc/contract';
import { useApi } from '../api';

/** Open positions (pushed by `positions.changed`), last prices and the per-symbol charts. */
export const usePositionsStore = defineStore('positions', () => {
  const api = useApi();
  const list = ref<PositionDto[]>([]);
  const prices = ref<Record<string, { price: string; time: string }>>({});
  const error = ref<string | null>(null);
  const loaded = ref(false);

  api.on('positions.changed', (p) => {
    list.value = p;
    loaded.value = true;
  });
  api.on('price', (p) => {
    prices.value = { ...prices.value, [p.symbol]: { price: p.price, time: p.time } };
  });

  async function refresh(): Promise<void> {
    const r = await api.request('positions.list', {});
    if (r.ok) {
      list.value = r.data;
      loaded.value = true;
      error.value = null;
    } else error.value = r.error.message;
  }

  async function fetchChart(symbol: string, limit = 300): Promise<ChartDto | string> {
    const r = await api.request('chart.get', { symbol, limit });
    return r.ok ? r.data : r.error.message;
  }

  /** The per-position action under way ("BTCUSDT:close"), to disable its buttons meanwhile. */
  const acting = ref<string | null>(null);

  /** Close at market, move the targets, or forget: the host's answer in words, or its refusal. */
  async function act(
    kind: 'close' | 'move' | 'forget',
    symbol: string,
    prices: { takeProfit?: string; stopLoss?: string } = {},
  ): Promise<{ ok: boolean; message: string }> {
    acting.value = `${symbol}:${kind}`;
    try {
      const r =
        kind === 'close'
          ? await api.request('position.close', { symbol, confirm: true })
          : kind === 'forget'
            ? await api.request('position.forget', { symbol, confirm: true })
            : await api.request('position.move', { symbol, ...prices, confirm: true });
      return r.ok ? { ok: true, message: r.data.message } : { ok: false, message: r.error.message };
    } finally {
      acting.value = null;
    }
  }

  return { list, prices, error, loaded, acting, refresh, fetchChart, act };
});
