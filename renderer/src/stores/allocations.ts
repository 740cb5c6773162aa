import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AllocationDto } from '../../../shared/ipc/contract';
import { useApi } from '../api';
import { useNotificationsStore } from './notifications';

/** getAllocationStatus(), kept live by `allocations.changed`. */
export const useAllocationsStore = defineStore('allocations', () => {
  const api = useApi();
  const notify = useNotificationsStore();
  const status = ref<AllocationDto | null>(null);
  const error = ref<string | null>(null);
  const clearing = ref(false);

  api.on('allocations.changed', (a) => {
    status.value = a;
  });

  const quoteAsset = computed(() => status.value?.quoteAsset ?? 'USDT');

  /** Bar segments: each reservation's share of the total balance, then what is available. */
  const segments = computed(() => {
    const s = status.value;
    const total = s ? Number(s.totalBalance) : 0;
    if (!s || !(total > 0)) return [];
    const parts = s.reservations.map((r) => ({
      key: r.symbol,
      symbol: r.symbol as string | null,
      state: r.state as 'reserved' | 'buying' | 'protected' | 'exiting' | 'available',
      amount: r.reservedAmount,
      percent: (Number(r.reservedAmount) / total) * 100,
    }));
    const available = Math.max(0, Number(s.availableBalance));
    parts.push({
      key: '(available)',
      symbol: null,
      state: 'available',
      amount: s.availableBalance,
      percent: (available / total) * 100,
    });
    return parts;
  });

  async function refresh(): Promise<void> {
    const r = await api.request('allocations.get', {});
    if (r.ok) {
      status.value = r.data;
      error.value = null;
    } else error.value = r.error.message;
  }

  async function clearAll(): Promise<boolean> {
    clearing.value = true;
    try {
      const r = await api.request('allocations.clearAll', { confirm: true });
      if (!r.ok) {
        notify.toast(`Clear allocations failed: ${r.error.message}`, 'error');
        return false;
      }
      const kept = r.data.withPositions.length
        ? ` (${r.data.withPositions.join(', ')} still hold a position: sell or close them on the exchange)`
        : '';
      notify.toast(
        `Cleared ${r.data.cleared} reservation${r.data.cleared === 1 ? '' : 's'}${kept}`,
        kept ? 'warn' : 'success',
      );
      await refresh();
      return true;
    } finally {
      clearing.value = false;
    }
  }

  return { status, error, clearing, quoteAsset, segments, refresh, clearAll };
});
