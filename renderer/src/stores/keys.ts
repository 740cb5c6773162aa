import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { KeyStatusDto } from '../../../shared/ipc/contract';
import { useApi } from '../api';
import { useNotificationsStore } from './notifications';

/** The environments every install knows; others appear when the host reports a key for them. */
const STANDARD_ENVIRONMENTS = ['live', 'testnet'] as const;

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

  /** Set when Binance refused the last key (wrong secret, bad key, IP not allowed): it may be stored anyway. */
  const refused = ref<string | null>(null);
  /** The last "Test key" per environment: whether it works, and what Binance said. */
  const tests = ref<Record<string, { ok: boolean; lines: string[] }>>({});
  const testing = ref<string | null>(null);

  async function save(
    environment: string,
    apiKey: string,
    apiSecret: string,
    allowWithdrawals = false,
    insist = false,
  ): Promise<boolean> {
    saving.value = true;
    warnings.value = [];
    try {
      const input = {
        environment,
        apiKey,
        apiSecret,
        ...(allowWithdrawals ? { allowWithdrawals: true } : {}),
        ...(insist ? { insist: true } : {}),
      };
      const r = await api.request('keys.set', input);
      if (!r.ok) {
        error.value = r.error.message;
        refused.value = r.error.code === 'confirmation-required' ? r.error.message : null;
        notify.toast(`Key not saved: ${r.error.message}`, 'error');
        return false;
      }
      refused.value = null;
      list.value = r.data.keys;
      warnings.value = r.data.warnings;
      error.value = null;
      notify.toast(`API key for ${environment} saved in the keychain`, r.data.warnings.length ? 'warn' : 'success');
      return true;
    } finally {
      saving.value = false;
    }
  }

  /** Tries the stored key on Binance (its account, signed, and its permissions). */
  async function test(environment: string): Promise<void> {
    testing.value = environment;
    try {
      const r = await api.request('keys.test', { environment });
      tests.value = {
        ...tests.value,
        [environment]: r.ok ? r.data : { ok: false, lines: [r.error.message] },
      };
    } finally {
      testing.value = null;
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

  return {
    list,
    warnings,
    error,
    saving,
    environments,
    statusOf,
    hasKey,
    refresh,
    save,
    remove,
    refused,
    tests,
    testing,
    test,
  };
});
