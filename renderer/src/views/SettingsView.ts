import { computed, defineComponent, h, ref, watch } from 'vue';
import AlertsPanel from '../components/AlertsPanel.vue';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { panel, pill, viewHeader } from '../components/ui';
import { useAllocationsStore } from '../stores/allocations';
import { useConnectionStore } from '../stores/connection';
import { useEngineStore } from '../stores/engine';
import { useKeysStore } from '../stores/keys';
import { useNotificationsStore } from '../stores/notifications';
import { useSettingsStore } from '../stores/settings';
import { useUiStore, type ThemeChoice } from '../stores/ui';

const DECIMAL = /^\d+(\.\d+)?$/;

/** API keys (write-only), alerts, paper trading settings, notifications, theme, data folder. */
export const SettingsView = defineComponent({
  name: 'SettingsView',
  setup() {
    const keys = useKeysStore();
    const settings = useSettingsStore();
    const notify = useNotificationsStore();
    const ui = useUiStore();
    const connection = useConnectionStore();
    const engine = useEngineStore();
    const allocations = useAllocationsStore();

    // --- keys: what is typed lives only in these refs and is cleared once sent
    const env = ref('testnet');
    const apiKey = ref('');
    const apiSecret = ref('');
    const allowWithdrawals = ref(false);
    const confirmDelete = ref<string | null>(null);
    const keyReady = computed(
      () =>
        apiKey.value.trim().length >= 8 && apiSecret.value.trim().length >= 8 && connection.connected && !keys.saving,
    );

    async function saveKey(insist = false): Promise<void> {
      const ok = await keys.save(
        env.value,
        apiKey.value.trim(),
        apiSecret.value.trim(),
        allowWithdrawals.value,
        insist,
      );
      if (ok) {
        apiKey.value = '';
        apiSecret.value = '';
        allowWithdrawals.value = false;
      }
    }

    async function deleteKey(): Promise<void> {
      if (confirmDelete.value) await keys.remove(confirmDelete.value);
      confirmDelete.value = null;
    }

    // --- paper settings: a form copy of what the host has
    const balance = ref('');
    const feeRate = ref('');
    const slippage = ref('');
    const stopGrace = ref('');
    watch(
      () => settings.settings,
      (s) => {
        if (!s) return;
        balance.value = s.paperBalance;
        feeRate.value = s.feeRate;
        slippage.value = String(s.slippageBps);
        stopGrace.value = String(s.stopGraceSeconds);
      },
      { immediate: true },
    );
    const paperErrors = computed(() => {
      const e: Record<string, string> = {};
      if (!DECIMAL.test(balance.value.trim()) || !(Number(balance.value) > 0))
        e.balance = 'A positive amount, e.g. 1000';
      if (!DECIMAL.test(feeRate.value.trim()) || Number(feeRate.value) >= 1)
        e.feeRate = 'A fraction below 1, e.g. 0.001 for 0.1%';
      const bps = Number(slippage.value);
      if (slippage.value.trim() === '' || !Number.isFinite(bps) || bps < 0 || bps > 1000)
        e.slippage = '0 to 1000 basis points';
      const grace = Number(stopGrace.value);
      if (!/^\d+$/.test(stopGrace.value.trim()) || grace < 1 || grace > 600) e.stopGrace = '1 to 600 seconds';
      return e;
    });
    const paperDirty = computed(() => {
      const s = settings.settings;
      return (
        !!s &&
        (balance.value.trim() !== s.paperBalance ||
          feeRate.value.trim() !== s.feeRate ||
          Number(slippage.value) !== s.slippageBps ||
          Number(stopGrace.value) !== s.stopGraceSeconds)
      );
    });

    function savePaper(): Promise<boolean> {
      return settings.save({
        paperBalance: balance.value.trim(),
        feeRate: feeRate.value.trim(),
        slippageBps: Number(slippage.value),
        stopGraceSeconds: Number(stopGrace.value),
      });
    }

    const textField = (
      label: string,
      model: { value: string },
      testid: string,
      error: string | undefined,
      hint: string,
      suffix?: string,
    ) => {
      const id = `settings-${testid}`;
      return h('div', { class: ['field', error ? 'field-invalid' : ''] }, [
        h('label', { class: 'field-label', for: id }, label),
        h('div', { class: 'input-suffix' }, [
          h('input', {
            id,
            type: 'text',
            inputmode: 'decimal',
            class: 'num',
            value: model.value,
            'data-testid': testid,
            'aria-invalid': error ? 'true' : 'false',
            'aria-describedby': `${id}-hint`,
            onInput: (e: Event) => (model.value = (e.target as HTMLInputElement).value),
          }),
          suffix ? h('span', { class: 'suffix' }, suffix) : null,
        ]),
        h('div', { id: `${id}-hint`, class: error ? 'field-error' : 'field-hint' }, error ?? hint),
      ]);
    };

    const keysPanel = () =>
      panel('API keys', [
        h('p', { class: 'muted' }, [
          'Keys are stored in the operating system’s keychain by the host. The secret is sent once and never shown again. Create keys with ',
          h('strong', 'spot trading enabled and withdrawals disabled'),
          '.',
        ]),
        h('table', { class: 'table table-compact keys-table' }, [
          h('thead', [
            h('tr', [h('th', 'Environment'), h('th', 'Key'), h('th', 'Source'), h('th', { class: 'num' }, '')]),
          ]),
          h(
            'tbody',
            keys.environments.map((e) => {
              const s = keys.statusOf(e);
              return h(
                'tr',
                { key: e, 'data-testid': `key-status-${e}`, 'data-configured': s.configured ? 'true' : 'false' },
                [
                  h('td', { class: 'strong' }, e),
                  h(
                    'td',
                    { class: 'mono' },
                    s.configured ? (s.maskedKey ?? 'stored') : h('span', { class: 'muted' }, 'not set'),
                  ),
                  h('td', s.source ?? ''),
                  h(
                    'td',
                    { class: 'num' },
                    s.configured && s.source === 'keychain'
                      ? [
                          h(
                            'button',
                            {
                              type: 'button',
                              class: 'btn btn-small',
                              'data-testid': `key-test-${e}`,
                              disabled: !connection.connected || keys.testing !== null,
                              title: 'Ask Binance for the account and the key’s permissions',
                              onClick: () => void keys.test(e),
                            },
                            keys.testing === e ? 'Testing…' : 'Test',
                          ),
                          ' ',
                          h(
                            'button',
                            {
                              type: 'button',
                              class: 'btn btn-small btn-danger-outline',
                              'data-testid': `key-delete-${e}`,
                              disabled: !connection.connected,
                              onClick: () => (confirmDelete.value = e),
                            },
                            'Delete',
                          ),
                        ]
                      : undefined,
                  ),
                ],
              );
            }),
          ),
        ]),
        h(
          'form',
          {
            class: 'key-form',
            autocomplete: 'off',
            onSubmit: (e: Event) => (e.preventDefault(), keyReady.value && saveKey()),
          },
          [
            h('div', { class: 'field' }, [
              h('span', { class: 'field-label', id: 'key-env-label' }, 'Environment'),
              h(
                'div',
                { class: 'segmented', role: 'group', 'aria-labelledby': 'key-env-label' },
                keys.environments.map((e) =>
                  h(
                    'button',
                    {
                      key: e,
                      type: 'button',
                      class: ['seg', env.value === e ? 'seg-active' : ''],
                      'aria-pressed': env.value === e ? 'true' : 'false',
                      'data-testid': `key-env-${e}`,
                      onClick: () => (env.value = e),
                    },
                    e,
                  ),
                ),
              ),
            ]),
            h('div', { class: 'form-row' }, [
              h('div', { class: 'field grow' }, [
                h('label', { class: 'field-label', for: 'key-api' }, `API key for ${env.value}`),
                h('input', {
                  id: 'key-api',
                  type: 'password',
                  autocomplete: 'off',
                  spellcheck: false,
                  class: 'mono',
                  value: apiKey.value,
                  'data-testid': 'key-api',
                  onInput: (e: Event) => (apiKey.value = (e.target as HTMLInputElement).value),
                }),
              ]),
              h('div', { class: 'field grow' }, [
                h('label', { class: 'field-label', for: 'key-secret' }, 'API secret'),
                h('input', {
                  id: 'key-secret',
                  type: 'password',
                  autocomplete: 'off',
                  spellcheck: false,
                  class: 'mono',
                  value: apiSecret.value,
                  'data-testid': 'key-secret',
                  onInput: (e: Event) => (apiSecret.value = (e.target as HTMLInputElement).value),
                }),
              ]),
            ]),
            h('label', { class: 'check' }, [
              h('input', {
                type: 'checkbox',
                checked: allowWithdrawals.value,
                'data-testid': 'key-allow-withdrawals',
                onChange: (e: Event) => (allowWithdrawals.value = (e.target as HTMLInputElement).checked),
              }),
              ' Accept a key that can withdraw funds (not recommended)',
            ]),
            h('div', { class: 'actions' }, [
              h(
                'button',
                { type: 'submit', class: 'btn btn-primary', 'data-testid': 'key-save', disabled: !keyReady.value },
                keys.saving
                  ? 'Checking the key…'
                  : keys.hasKey(env.value)
                    ? `Replace key for ${env.value}`
                    : `Save key for ${env.value}`,
              ),
              h(
                'span',
                { class: 'muted small' },
                'The host tries the key on Binance (its account and its permissions) before storing it.',
              ),
            ]),
            keys.refused
              ? h('div', { class: 'error-box', role: 'alert', 'data-testid': 'key-refused' }, [
                  h('p', keys.refused),
                  h(
                    'button',
                    {
                      type: 'button',
                      class: 'btn btn-small btn-danger-outline',
                      'data-testid': 'key-store-anyway',
                      disabled: !keyReady.value,
                      onClick: () => void saveKey(true),
                    },
                    'Store anyway',
                  ),
                ])
              : null,
            keys.warnings.length
              ? h(
                  'ul',
                  { class: 'warn-list', 'data-testid': 'key-warnings' },
                  keys.warnings.map((w) => h('li', { key: w }, w)),
                )
              : null,
            ...Object.entries(keys.tests).map(([e, t]) =>
              h(
                'div',
                { key: `test-${e}`, class: t.ok ? 'ok-box' : 'error-box', 'data-testid': `key-test-result-${e}` },
                [
                  h('strong', `${e}: ${t.ok ? 'the key works' : 'the key does not work'}`),
                  h(
                    'ul',
                    t.lines.map((l) => h('li', { key: l }, l)),
                  ),
                ],
              ),
            ),
          ],
        ),
      ]);

    const paperPanel = () => {
      const s = settings.settings;
      const errors = paperErrors.value;
      return panel('Trading', [
        h('p', { class: 'muted' }, [
          'The starting balance is used when a paper ledger is new. ',
          engine.active ? 'Changes apply from the next start.' : '',
        ]),
        h('div', { class: 'form-row' }, [
          textField(
            'Starting balance',
            balance,
            'settings-paper-balance',
            errors.balance,
            'used when a paper ledger is new',
            allocations.quoteAsset,
          ),
          textField(
            'Fee rate',
            feeRate,
            'settings-fee-rate',
            errors.feeRate,
            Number.isFinite(Number(feeRate.value))
              ? `${+(Number(feeRate.value) * 100).toFixed(4)}% per fill`
              : 'fraction',
          ),
          textField(
            'Slippage',
            slippage,
            'settings-slippage',
            errors.slippage,
            'market orders fill this much worse',
            'bps',
          ),
          textField(
            'Stop grace',
            stopGrace,
            'settings-stop-grace',
            errors.stopGrace,
            'a triggered stop-limit left unfilled below the market this long is sold at market (paper and live)',
            's',
          ),
        ]),
        h('div', { class: 'actions' }, [
          h(
            'button',
            {
              type: 'button',
              class: 'btn btn-primary',
              'data-testid': 'settings-save',
              disabled:
                !s || !paperDirty.value || Object.keys(errors).length > 0 || settings.saving || !connection.connected,
              onClick: savePaper,
            },
            settings.saving ? 'Saving…' : 'Save',
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'btn btn-danger-outline',
              'data-testid': 'paper-reset',
              disabled: !connection.connected || engine.active,
              title: engine.active ? 'Stop trading first' : 'Start the paper account over with a new balance',
              onClick: () => {
                resetBalance.value = s?.paperBalance ?? '1000';
                resetError.value = null;
                confirmReset.value = true;
              },
            },
            'Reset paper account…',
          ),
        ]),
        settings.error ? h('p', { class: 'error-text' }, settings.error) : null,
      ]);
    };

    const confirmReset = ref(false);
    const resetBalance = ref('');
    const resetError = ref<string | null>(null);
    async function resetPaper(): Promise<void> {
      const r = await settings.resetPaper(resetBalance.value.trim());
      if (!r.ok) {
        resetError.value = r.message;
        return;
      }
      notify.toast(r.message, 'success');
      confirmReset.value = false;
    }

    const appPanel = () =>
      panel('This app', [
        h('dl', { class: 'facts' }, [
          h('dt', 'Data folder'),
          h('dd', { class: 'mono', 'data-testid': 'settings-data-dir' }, settings.settings?.dataDir ?? '—'),
          h('dt', 'Theme'),
          h('dd', [
            h(
              'select',
              {
                value: ui.theme,
                'data-testid': 'theme-select',
                'aria-label': 'Theme',
                onChange: (e: Event) => ui.setTheme((e.target as HTMLSelectElement).value as ThemeChoice),
              },
              [
                h('option', { value: 'system' }, 'Follow the system'),
                h('option', { value: 'light' }, 'Light'),
                h('option', { value: 'dark' }, 'Dark'),
              ],
            ),
          ]),
          h('dt', 'Desktop notifications'),
          h('dd', [
            h('label', { class: 'check' }, [
              h('input', {
                type: 'checkbox',
                checked: notify.enabled,
                disabled: notify.permission === 'unsupported' || notify.permission === 'denied',
                'data-testid': 'notify-toggle',
                onChange: (e: Event) => ((e.target as HTMLInputElement).checked ? notify.enable() : notify.disable()),
              }),
              ' Entries, exits and errors',
            ]),
            ' ',
            notify.permission === 'denied'
              ? pill('blocked by the system', 'bad')
              : notify.permission === 'unsupported'
                ? pill('not available', 'idle')
                : null,
          ]),
          h('dt', 'Connection'),
          h('dd', `${connection.label} (${connection.info.transport})`),
        ]),
      ]);

    return () =>
      h('div', { class: 'view view-settings' }, [
        viewHeader('Settings', null),
        keysPanel(),
        h(AlertsPanel),
        h('div', { class: 'grid-2' }, [paperPanel(), appPanel()]),
        h(
          ConfirmDialog,
          {
            open: confirmDelete.value !== null,
            title: `Delete the API key for ${confirmDelete.value ?? ''}`,
            confirmLabel: 'Delete key',
            onConfirm: deleteKey,
            onCancel: () => (confirmDelete.value = null),
          },
          () => [h('p', 'The key is removed from the keychain. Live trading on this environment needs a new key.')],
        ),
        h(
          ConfirmDialog,
          {
            open: confirmReset.value,
            title: 'Reset the paper account',
            confirmLabel: 'Reset',
            onConfirm: resetPaper,
            onCancel: () => (confirmReset.value = false),
          },
          () => [
            h(
              'p',
              'The paper ledger on live prices is deleted: its simulated positions, reservations and history. Replay ledgers are kept.',
            ),
            h('label', { class: 'field' }, [
              h('span', { class: 'field-label' }, 'New balance'),
              h('input', {
                value: resetBalance.value,
                inputmode: 'decimal',
                'data-testid': 'paper-reset-balance',
                onInput: (e: Event) => (resetBalance.value = (e.target as HTMLInputElement).value),
              }),
            ]),
            resetError.value ? h('p', { class: 'error-text', role: 'alert' }, resetError.value) : null,
          ],
        ),
      ]);
  },
});
