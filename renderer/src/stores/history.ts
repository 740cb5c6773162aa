import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { HistoryDto } from '../../../shared/ipc/contract';
import { useApi } from '../api';
import { downloadText } from '../util/download';
import { useNotificationsStore } from './notifications';

const HISTORY_LIMIT = 1000;

/** Closed trades, totals and the equity curve; reloaded when a trade closes. */
export const useHistoryStore = defineStore('history', () => {
  const api = useApi();
  const notify = useNotificationsStore();
  const data = ref<HistoryDto | null>(null);
  const error = ref<string | null>(null);
  let reloading: Promise<void> | null = null;

  api.on('trade.closed', () => {
    void refresh();
  });

  function refresh(): Promise<void> {
    reloading ??= (async () => {
      const r = await api.request('history.get', { limit: HISTORY_LIMIT });
      if (r.ok) {
        data.value = r.data;
        error.value = null;
      } else error.value = r.error.message;
    })().finally(() => {
      reloading = null;
    });
    return reloading;
  }

  async function exportCsv(): Promise<boolean> {
    const r = await api.request('history.exportCsv', {});
    if (!r.ok) {
      notify.toast(`Export failed: ${r.error.message}`, 'error');
      return false;
    }
    downloadText(r.data.filename, r.data.csv, 'text/csv');
    return true;
  }

  return { data, error, refresh, exportCsv };
});
