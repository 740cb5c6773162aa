import { computed, defineComponent, h, nextTick, ref, type VNode } from 'vue';
import { KLINE_INTERVAL_NAMES } from '../../../shared/market/intervals';
import { PARAMETER_DEFAULTS } from '../../../shared/params/schema';
import { viewHeader } from '../components/ui';
import { useConnectionStore } from '../stores/connection';
import { useEngineStore } from '../stores/engine';
import {
  fieldMessage,
  humanize,
  useParamsStore,
  type DraftField,
  type DraftSet,
  type FormProblem,
} from '../stores/params';
import { readFileText } from '../util/download';
import { percent } from '../util/format';

interface FieldSpec {
  field: DraftField;
  label: string;
  hint: string;
  kind: 'symbol' | 'number' | 'interval' | 'stop-type';
  placeholder?: (d: DraftSet) => string;
}

const FIELD_SPECS: FieldSpec[] = [
  { field: 'symbol', label: 'Symbol', hint: 'Binance spot symbol, e.g. BTCUSDT', kind: 'symbol' },
  {
    field: 'allocationPercent',
    label: 'Allocation %',
    hint: 'share of the total balance, 0 < x ≤ 100',
    kind: 'number',
  },
  { field: 'zScoreThreshold', label: 'Z-score ≥', hint: 'buy when the signal reaches this, > 0', kind: 'number' },
  { field: 'profitPercent', label: 'Take profit %', hint: 'above the entry price, > 0', kind: 'number' },
  { field: 'stopLossPercent', label: 'Stop loss %', hint: 'below the entry price, 0 < x < 100', kind: 'number' },
  { field: 'interval', label: 'Interval', hint: 'kline interval of the signal', kind: 'interval' },
  {
    field: 'lookback',
    label: 'Lookback',
    hint: 'returns in the z-score window, ≥ 3',
    kind: 'number',
    placeholder: () => String(PARAMETER_DEFAULTS.lookback),
  },
  {
    field: 'movingAverages',
    label: 'Moving avg.',
    hint: 'z values averaged into the signal, ≥ 1',
    kind: 'number',
    placeholder: () => String(PARAMETER_DEFAULTS.movingAverages),
  },
  {
    field: 'exitZScore',
    label: 'Exit z ≤',
    hint: 'exit at market when the signal falls to this (default: minus the threshold)',
    kind: 'number',
    placeholder: (d) => {
      const t = Number(d.zScoreThreshold);
      return d.zScoreThreshold.trim() && Number.isFinite(t) ? String(-t) : '−threshold';
    },
  },
  {
    field: 'stopLimitOffsetPercent',
    label: 'Limit offset %',
    hint: 'stop-limit offset: how far below the stop trigger the limit price sits, 0 ≤ x < 50',
    kind: 'number',
    placeholder: () => String(PARAMETER_DEFAULTS.stopLimitOffsetPercent),
  },
  {
    field: 'stopOrderType',
    label: 'Stop order',
    hint: 'stop-limit: never sells below its limit (a gap is sold at market after the grace period); stop-market: always sells once triggered, at whatever the book pays',
    kind: 'stop-type',
  },
];

const LABELS: Record<string, string> = Object.fromEntries(FIELD_SPECS.map((f) => [f.field, f.label]));

/** Parameter sets: one card per set, validated as the trader types; saving is blocked while anything is wrong. */
export const ParamsView = defineComponent({
  name: 'ParamsView',
  setup() {
    const params = useParamsStore();
    const engine = useEngineStore();
    const connection = useConnectionStore();
    const fileInput = ref<HTMLInputElement | null>(null);

    const summary = computed(() => params.problems);
    const saveBlockedReason = computed(() => {
      if (!connection.connected) return 'Not connected to the host';
      if (params.overAllocated) return 'Enabled allocations add up to more than 100%';
      if (params.blocking.length > 0)
        return `Fix ${params.blocking.length} problem${params.blocking.length === 1 ? '' : 's'} first`;
      return undefined;
    });

    function inputId(row: number, field: string): string {
      return `params-${row}-${field}`;
    }

    async function focusField(p: FormProblem): Promise<void> {
      if (p.row === null) return;
      await nextTick();
      const el = document.getElementById(inputId(p.row, p.field ?? 'symbol'));
      el?.focus();
    }

    async function onImport(e: Event): Promise<void> {
      const input = e.target as HTMLInputElement;
      const file = input.files?.[0];
      input.value = '';
      if (!file) return;
      await params.importJson(await readFileText(file));
    }

    function problemLabel(p: FormProblem): string {
      if (p.row === null) return humanize(p.message);
      const d = params.drafts[p.row];
      const set = `Set ${p.row + 1}${d?.symbol ? ` (${d.symbol})` : ''}`;
      if (!p.field) return `${set}: ${humanize(p.message)}`;
      return `${set} · ${LABELS[p.field] ?? p.field}: ${fieldMessage(p.field, p.message)}`;
    }

    const gauge = () => {
      const sum = params.allocationSum;
      const over = params.overAllocated;
      const width = Math.min(100, Math.max(0, sum));
      const rest = 100 - sum;
      return h(
        'div',
        {
          class: ['gauge', over ? 'gauge-over' : sum > 99.999 ? 'gauge-full' : ''],
          'data-testid': 'params-sum',
          'data-over': over ? 'true' : 'false',
        },
        [
          h('div', { class: 'gauge-text' }, [
            h('span', 'Enabled allocation'),
            h('strong', { class: 'num', 'data-testid': 'params-sum-value' }, percent(+sum.toFixed(6), 4)),
            h('span', { class: 'muted' }, 'of 100%'),
            h('span', { class: 'spacer' }),
            h(
              'span',
              { class: over ? 'error-text' : 'muted' },
              over
                ? `${percent(-rest, 4)} over: lower an allocation or disable a set`
                : `${percent(rest, 4)} unallocated`,
            ),
          ]),
          h(
            'div',
            {
              class: 'gauge-track',
              role: 'meter',
              'aria-label': 'Sum of the enabled allocations',
              'aria-valuemin': 0,
              'aria-valuemax': 100,
              'aria-valuenow': +sum.toFixed(4),
              'aria-valuetext': `${percent(sum, 4)}${over ? ', above 100%' : ''}`,
            },
            [h('div', { class: 'gauge-fill', style: { width: `${width}%` } })],
          ),
        ],
      );
    };

    const fieldControl = (d: DraftSet, row: number, spec: FieldSpec, problems: FormProblem[]): VNode => {
      const id = inputId(row, spec.field);
      const errorId = `${id}-error`;
      const invalid = problems.some((p) => p.blocking);
      const common = {
        id,
        'data-testid': `params-field-${row}-${spec.field}`,
        'aria-invalid': invalid ? 'true' : 'false',
        'aria-describedby': problems.length ? errorId : undefined,
        title: spec.hint,
      };
      const control =
        spec.kind === 'stop-type'
          ? h(
              'select',
              {
                ...common,
                value: d.stopOrderType,
                onChange: (e: Event) => params.setField(row, 'stopOrderType', (e.target as HTMLSelectElement).value),
              },
              [
                h('option', { value: '' }, 'stop-limit (default)'),
                h('option', { value: 'limit' }, 'stop-limit'),
                h('option', { value: 'market' }, 'stop-market'),
              ],
            )
          : spec.kind === 'interval'
            ? h(
                'select',
                {
                  ...common,
                  value: d.interval,
                  onChange: (e: Event) => params.setField(row, 'interval', (e.target as HTMLSelectElement).value),
                },
                [
                  h('option', { value: '' }, `${PARAMETER_DEFAULTS.interval} (default)`),
                  ...KLINE_INTERVAL_NAMES.map((n) => h('option', { key: n, value: n }, n)),
                  d.interval && !KLINE_INTERVAL_NAMES.includes(d.interval as never)
                    ? h('option', { value: d.interval }, d.interval)
                    : null,
                ],
              )
            : h('input', {
                ...common,
                type: 'text',
                class: spec.kind === 'number' ? 'num' : 'mono',
                inputmode: spec.kind === 'number' ? 'decimal' : undefined,
                autocomplete: 'off',
                spellcheck: false,
                placeholder: spec.placeholder?.(d) ?? '',
                value: d[spec.field],
                onInput: (e: Event) => params.setField(row, spec.field, (e.target as HTMLInputElement).value),
              });
      return h('div', { class: ['field', invalid ? 'field-invalid' : problems.length ? 'field-warn' : ''] }, [
        h('label', { class: 'field-label', for: id }, spec.label),
        control,
        problems.length
          ? h(
              'div',
              { id: errorId, class: 'field-error', 'data-testid': `params-error-${row}-${spec.field}`, role: 'alert' },
              problems.map((p) => h('div', { key: p.message }, fieldMessage(spec.field, p.message))),
            )
          : null,
      ]);
    };

    const setCard = (d: DraftSet, row: number): VNode => {
      const rowProblems = params.problemsAt(row, null);
      const anyBlocking = params.problems.some((p) => p.row === row && p.blocking);
      return h(
        'section',
        {
          key: d.key,
          class: ['set-card', d.enabled ? '' : 'set-disabled', anyBlocking ? 'set-invalid' : ''],
          'data-testid': `params-row-${row}`,
          'aria-label': `Parameter set ${row + 1}${d.symbol ? ` ${d.symbol}` : ''}`,
        },
        [
          h('header', { class: 'set-head' }, [
            h('span', { class: 'set-index' }, `#${row + 1}`),
            h('span', { class: 'set-symbol mono' }, d.symbol || 'new set'),
            h('label', { class: 'switch' }, [
              h('input', {
                type: 'checkbox',
                checked: d.enabled,
                'data-testid': `params-field-${row}-enabled`,
                onChange: (e: Event) => params.setEnabled(row, (e.target as HTMLInputElement).checked),
              }),
              h('span', d.enabled ? 'Enabled' : 'Disabled'),
            ]),
            h('span', { class: 'spacer' }),
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn-ghost btn-small',
                'data-testid': `params-remove-${row}`,
                'aria-label': `Remove set ${row + 1}${d.symbol ? ` (${d.symbol})` : ''}`,
                onClick: () => params.removeSet(row),
              },
              'Remove',
            ),
          ]),
          h(
            'div',
            { class: 'set-fields' },
            FIELD_SPECS.map((spec) => fieldControl(d, row, spec, params.problemsAt(row, spec.field))),
          ),
          rowProblems.length
            ? h(
                'div',
                { class: 'field-error', 'data-testid': `params-error-${row}` },
                rowProblems.map((p) => h('div', { key: p.message }, humanize(p.message))),
              )
            : null,
        ],
      );
    };

    return () =>
      h('div', { class: 'view view-params' }, [
        viewHeader(
          'Parameter sets',
          'Each enabled set owns a share of the account. Enabled allocations may add up to 100% at most.',
          [
            h('input', {
              ref: fileInput,
              type: 'file',
              accept: 'application/json,.json',
              class: 'visually-hidden',
              tabindex: -1,
              'aria-hidden': 'true',
              'data-testid': 'params-import-file',
              onChange: onImport,
            }),
            h(
              'button',
              {
                type: 'button',
                class: 'btn',
                'data-testid': 'params-import',
                disabled: !connection.connected,
                onClick: () => fileInput.value?.click(),
              },
              'Import…',
            ),
            h(
              'button',
              {
                type: 'button',
                class: 'btn',
                'data-testid': 'params-export',
                disabled: !params.loaded,
                onClick: () => params.download(),
              },
              'Export',
            ),
            h(
              'button',
              {
                type: 'button',
                class: 'btn',
                'data-testid': 'params-revert',
                disabled: !params.dirty,
                onClick: () => params.revert(),
              },
              'Revert',
            ),
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn-primary',
                'data-testid': 'params-save',
                disabled: !params.canSave || !connection.connected,
                title: saveBlockedReason.value,
                onClick: () => params.save(),
              },
              params.saving ? 'Saving…' : 'Save',
            ),
          ],
        ),
        engine.active
          ? h(
              'p',
              { class: 'note', 'data-testid': 'params-running-note' },
              'The engine is running: saved changes apply to new entries only. Open positions keep their take-profit and stop-loss.',
            )
          : null,
        params.error ? h('p', { class: 'error-text' }, params.error) : null,
        h('div', { class: 'params-toolbar' }, [
          gauge(),
          h('div', { class: 'params-status muted small' }, [
            params.dirty
              ? h('span', { class: 'unsaved', 'data-testid': 'params-dirty' }, 'Unsaved changes')
              : h('span', 'Saved'),
            params.symbolSource
              ? h(
                  'span',
                  ` · symbols: ${params.symbols.length} from ${params.symbolSource === 'exchange' ? 'the exchange' : 'the built-in list'}`,
                )
              : null,
          ]),
        ]),
        summary.value.length
          ? h('div', { class: 'problems', role: 'alert', 'data-testid': 'params-error' }, [
              h(
                'strong',
                `${summary.value.length} problem${summary.value.length === 1 ? '' : 's'}${params.blocking.length ? ' to fix before saving' : ''}:`,
              ),
              h(
                'ul',
                summary.value.map((p) =>
                  h('li', { key: `${p.path}|${p.message}`, class: p.blocking ? '' : 'problem-warn' }, [
                    p.row !== null
                      ? h('button', { type: 'button', class: 'link', onClick: () => focusField(p) }, problemLabel(p))
                      : problemLabel(p),
                  ]),
                ),
              ),
            ])
          : null,
        h(
          'div',
          { class: 'set-list' },
          params.drafts.map((d, i) => setCard(d, i)),
        ),
        !params.loaded && !params.error
          ? h('p', { class: 'muted' }, connection.connected ? 'Loading…' : 'Not connected.')
          : null,
        h('div', { class: 'actions' }, [
          h(
            'button',
            {
              type: 'button',
              class: 'btn',
              'data-testid': 'add-set',
              disabled: !params.loaded,
              onClick: () => params.addSet(),
            },
            '+ Add set',
          ),
        ]),
      ]);
  },
});
