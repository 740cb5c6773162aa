import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { RequestInput, RequestOutput } from '../../../shared/ipc/contract';
import { useApi } from '../api';
import { useNotificationsStore } from './notifications';

type AlertsStatus = RequestOutput<'alerts.get'>;

/**
 * Where alerts go (a Telegram chat, a webhook), as the host keeps them. The bot's token is
 * write-only: sent once, kept in the OS keychain by the host, never given back (only whether one
 * is stored, and where from).
 */
export const useAlertsStore = defineStore('alerts', () => {
  const api = useApi();
  const notify = useNotificationsStore();
  const status = ref<AlertsStatus | null>(null);
  const error = ref<string | null>(null);
  const saving = ref(false);
  const testing = ref(false);
  const results = ref<RequestOutput<'alerts.test'>>([]);

  async function refresh(): Promise<void> {
    const r = await api.request('alerts.get', {});
    if (r.ok) {
      status.value = r.data;
      error.value = null;
    } else error.value = r.error.message;
  }

  async function save(patch: RequestInput<'alerts.save'>): Promise<boolean> {
    saving.value = true;
    try {
      const r = await api.request('alerts.save', patch);
      if (!r.ok) {
        error.value = r.error.message;
        return false;
      }
      status.value = r.data;
      error.value = null;
      results.value = [];
      notify.toast('Alert settings saved: sessions on live prices started from now on send them', 'success');
      return true;
    } finally {
      saving.value = false;
    }
  }

  async function test(): Promise<void> {
    testing.value = true;
    try {
      const r = await api.request('alerts.test', {});
      if (!r.ok) {
        error.value = r.error.message;
        results.value = [];
        return;
      }
      error.value = null;
      results.value = r.data;
    } finally {
      testing.value = false;
    }
  }

  return { status, error, saving, testing, results, refresh, save, test };
});
