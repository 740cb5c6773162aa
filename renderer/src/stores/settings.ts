import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { RequestInput, SettingsDto } from '../../../shared/ipc/contract';
import { useApi } from '../api';
import { useNotificationsStore } from './notifications';

/** Paper balance, fee, slippage; the data folder (read-only). */
export const useSettingsStore = defineStore('settings', () => {
  const api = useApi();
  const notify = useNotificationsStore();
  const settings = ref<SettingsDto | null>(null);
  const error = ref<string | null>(null);
  const saving = ref(false);

  async function refresh(): Promise<void> {
    const r = await api.request('settings.get', {});
    if (r.ok) {
      settings.value = r.data;
      error.value = null;
    } else error.value = r.error.message;
  }

  async function save(patch: RequestInput<'settings.save'>): Promise<boolean> {
    saving.value = true;
    try {
      const r = await api.request('settings.save', patch);
      if (!r.ok) {
        error.value = r.error.message;
        notify.toast(`Settings not saved: ${r.error.message}`, 'error');
        return false;
      }
      settings.value = r.data;
      error.value = null;
      notify.toast('Settings saved', 'success');
      return true;
    } finally {
      saving.value = false;
    }
  }

  /** Starts the paper account over with `balance` (the host refuses while anything trades). */
  async function resetPaper(balance: string): Promise<{ ok: boolean; message: string }> {
    const r = await api.request('paper.reset', { balance, confirm: true });
    if (!r.ok) return { ok: false, message: r.error.message };
    await refresh();
    return {
      ok: true,
      message: `Paper account reset to ${r.data.balance}${r.data.closedPositions ? ` (${r.data.closedPositions} simulated position(s) dropped)` : ''}`,
    };
  }

  return { settings, error, saving, refresh, save, resetPaper };
});
