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

  return { list, prices, error, loaded, refresh, fetchChart };
});
