import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { KeyStatusDto } from '../../../shared/ipc/contract';
import { useApi } from '../api';
import { useNotificationsStore } from './notifications';

/** The environments every install knows; others appear when the host reports a key for them. */
export const STANDARD_ENVIRONMENTS = ['live', 'testnet'] as const;

/** API keys per environment: write-only (the host never returns a secret), shown masked. */
export const useKeysStore = defineStore('keys', () => {
  const api = useApi();
  const notify = useNotificationsStore();
  const list = ref<KeyStatusDto[]>([]);
  const warnings = ref<string[]>([]);
  const error = ref<string | null>(null);
  const saving = ref(false);

  const environments = computed(() => {
    const names = new Set<string>(STANDARD_ENVIRONMENTS);
    for (const k of list.value) names.add(k.environment);
    return [...names];
  });

  function statusOf(environment: string): KeyStatusDto {
    return (
      list.value.find((k) => k.environment === environment) ?? {
        environment,
        configured: false,
        maskedKey: null,
        source: null,
      }
    );
  }

  const hasKey = (environment: string) => statusOf(environment).configured;

  async function refresh(): Promise<void> {
    const r = await api.request('keys.status', {});
    if (r.ok) {
      list.value = r.data;
      error.value = null;
    } else error.value = r.error.message;
  }

  async function save(
    environment: string,
    apiKey: string,
    apiSecret: string,
    allowWithdrawals = false,
  ): Promise<boolean> {
    saving.value = true;
    warnings.value = [];
    try {
      const input = allowWithdrawals
        ? { environment, apiKey, apiSecret, allowWithdrawals: true }
        : { environment, apiKey, apiSecret };
      const r = await api.request('keys.set', input);
      if (!r.ok) {
        error.value = r.error.message;
        notify.toast(`Key not saved: ${r.error.message}`, 'error');
        return false;
      }
      list.value = r.data.keys;
      warnings.value = r.data.warnings;
      error.value = null;
      notify.toast(`API key for ${environment} saved in the keychain`, r.data.warnings.length ? 'warn' : 'success');
      return true;
    } finally {
      saving.value = false;
    }
  }

  async function remove(environment: string): Promise<boolean> {
    const r = await api.request('keys.delete', { environment });
    if (!r.ok) {
      notify.toast(`Key not deleted: ${r.error.message}`, 'error');
      return false;
    }
    list.value = r.data;
    warnings.value = [];
    notify.toast(`API key for ${environment} deleted`, 'info');
    return true;
  }

  return { list, warnings, error, saving, environments, statusOf, hasKey, refresh, save, remove };
});
