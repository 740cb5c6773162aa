import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { SignalRowDto } from '../../../shared/ipc/contract';
import { useApi } from '../api';

/** The signals panel: every traded set's live signal and the engine's last decision about it. */
export const useSignalsStore = defineStore('signals', () => {
  const api = useApi();
  const rows = ref<SignalRowDto[]>([]);
  let inFlight = false;

  async function refresh(): Promise<void> {
    if (inFlight) return;
    inFlight = true;
    try {
      const r = await api.request('signals.get', {});
      if (r.ok) rows.value = r.data;
    } finally {
      inFlight = false;
    }
  }

  return { rows, refresh };
});
