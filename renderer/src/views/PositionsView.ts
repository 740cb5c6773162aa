import { computed, defineComponent, h, ref, watch } from 'vue';
import type { PositionDto } from '../../../shared/ipc/contract';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { PriceChart } from '../components/PriceChart';
import { emptyRow, panel, pill, viewHeader, type Tone } from '../components/ui';
import { useAllocationsStore } from '../stores/allocations';
import { useEngineStore } from '../stores/engine';
import { useNotificationsStore } from '../stores/notifications';
import { useParamsStore } from '../stores/params';
import { usePositionsStore } from '../stores/positions';
import { dateTime, decimal, percent, signClass, signedMoney, signedPercent } from '../util/format';

const OCO_TONE: Record<PositionDto['ocoState'], Tone> = {
  none: 'bad',
  pending: 'warn',
  open: 'ok',
  'stop-triggered': 'bad',
  'take-profit-filling': 'warn',
};
const OCO_LABEL: Record<PositionDto['ocoState'], string> = {
  none: 'none',
  pending: 'placing',
  open: 'open',
  'stop-triggered': 'stop triggered, not filled',
  'take-profit-filling': 'take-profit filling',
};

/** A distance to a leg with its real sign: "+15.00% away", "−2.00% away", "+0.40% (passed)". */
function distance(pct: number | null, passed: boolean): string {
  if (pct === null) return '';
  const sign = pct > 0 ? '+' : pct < 0 ? '−' : '';
  return `${sign}${percent(Math.abs(pct))} ${passed ? '(passed)' : 'away'}`;
}

/** Open positions with their exits, and a chart per symbol. */
export const PositionsView = defineComponent({
  name: 'PositionsView',
  setup() {
    const positions = usePositionsStore();
    const params = useParamsStore();
    const allocations = useAllocationsStore();
    const selected = ref<string | null>(null);
    const engine = useEngineStore();
    const notify = useNotificationsStore();
    /** The action whose confirmation is open, with the prices typed for a move. */
    const pending = ref<{ kind: 'close' | 'move' | 'forget'; p: PositionDto } | null>(null);
    const tpInput = ref('');
    const stopInput = ref('');
    const dialogError = ref<string | null>(null);

    const ask = (kind: 'close' | 'move' | 'forget', p: PositionDto) => {
      pending.value = { kind, p };
      tpInput.value = p.takeProfit ?? '';
      stopInput.value = p.stopLoss ?? '';
      dialogError.value = null;
    };
    const confirm = async () => {
      const a = pending.value;
      if (!a) return;
      const prices =
        a.kind === 'move'
          ? {
              ...(tpInput.value.trim() && tpInput.value.trim() !== a.p.takeProfit
                ? { takeProfit: tpInput.value.trim() }
                : {}),
              ...(stopInput.value.trim() && stopInput.value.trim() !== a.p.stopLoss
                ? { stopLoss: stopInput.value.trim() }
                : {}),
            }
          : {};
      if (a.kind === 'move' && !prices.takeProfit && !prices.stopLoss) {
        dialogError.value = 'Change the take-profit, the stop-loss or both.';
        return;
      }
      const r = await positions.act(a.kind, a.p.symbol, prices);
      if (!r.ok) {
        dialogError.value = r.message;
        return;
      }
      notify.toast(r.message, 'success');
      pending.value = null;
    };
    const actions = (p: PositionDto) => {
      const running = engine.status === 'running';
      const busy = positions.acting !== null;
      const why = running ? undefined : 'Start trading first: these act through the running engine.';
      const button = (kind: 'close' | 'move' | 'forget', label: string, danger = false) =>
        h(
          'button',
          {
            type: 'button',
            class: ['btn', 'btn-small', danger ? 'btn-danger' : ''],
            disabled: !running || busy || p.status === 'opening',
            title: why,
            'data-testid': `position-${kind}-${p.symbol}`,
            onClick: () => ask(kind, p),
          },
          label,
        );
      return h('td', { class: 'nowrap row-actions' }, [
        button('close', 'Close', true),
        button('move', 'Move…'),
        button('forget', 'Forget'),
      ]);
    };
    const priceField = (label: string, model: typeof tpInput, testid: string) =>
      h('label', { class: 'field' }, [
        h('span', { class: 'field-label' }, label),
        h('input', {
          value: model.value,
          inputmode: 'decimal',
          'data-testid': testid,
          onInput: (e: Event) => (model.value = (e.target as HTMLInputElement).value),
        }),
      ]);
    const dialog = () => {
      const a = pending.value;
      if (!a) return null;
      const quote = allocations.quoteAsset;
      const title =
        a.kind === 'close'
          ? `Close ${a.p.symbol} at market`
          : a.kind === 'move'
            ? `Move ${a.p.symbol}'s take-profit or stop-loss`
            : `Forget ${a.p.symbol}`;
      const body =
        a.kind === 'close'
          ? [
              h('p', `Its OCO is cancelled and ${decimal(a.p.quantity)} ${a.p.symbol} are sold at market now.`),
              h('p', [
                'Unrealized PnL now: ',
                signedMoney(a.p.unrealizedPnl, quote),
                '. The other positions are not touched.',
              ]),
            ]
          : a.kind === 'move'
            ? [
                h(
                  'p',
                  "The OCO is cancelled and placed again at these prices (rounded to the tick, take-profit up, stop down), checked first against the last price and the symbol's filters.",
                ),
                priceField('Take profit', tpInput, 'move-take-profit'),
                priceField('Stop loss (trigger)', stopInput, 'move-stop-loss'),
              ]
            : [
                h(
                  'p',
                  `Only when its coins were sold or moved outside Tranche: the position is closed as "outside Tranche" and its reservation released.`,
                ),
                h(
                  'p',
                  { class: 'warn-text' },
                  'Refused while the account still holds them: close it at market instead.',
                ),
              ];
      return h(
        ConfirmDialog,
        {
          open: true,
          title,
          confirmLabel: a.kind === 'close' ? 'Sell at market' : a.kind === 'move' ? 'Replace the OCO' : 'Forget it',
          tone: a.kind === 'move' ? 'primary' : 'danger',
          busy: positions.acting !== null,
          onConfirm: confirm,
          onCancel: () => (pending.value = null),
        },
        () => [
          ...body,
          dialogError.value
            ? h('p', { class: 'error-text', role: 'alert', 'data-testid': 'position-action-error' }, dialogError.value)
            : null,
        ],
      );
    };

    /** Symbols with a chart: open positions first, then the configured sets. */
    const symbols = computed(() => {
      const out = positions.list.map((p) => p.symbol);
      for (const d of params.drafts) if (d.symbol && !out.includes(d.symbol)) out.push(d.symbol);
      return out;
    });
    watch(
      symbols,
      (list) => {
        if (!selected.value || !list.includes(selected.value)) selected.value = list[0] ?? null;
      },
      { immediate: true },
    );

    const row = (p: PositionDto) => {
      const quote = allocations.quoteAsset;
      return h(
        'tr',
        {
          key: p.id,
          class: selected.value === p.symbol ? 'selected' : '',
          'data-testid': `position-${p.symbol}`,
        },
        [
          h('td', [
            h(
              'button',
              {
                type: 'button',
                class: 'link strong',
                'aria-pressed': selected.value === p.symbol ? 'true' : 'false',
                onClick: () => (selected.value = p.symbol),
              },
              p.symbol,
            ),
          ]),
          h('td', p.status),
          h('td', { class: 'num' }, decimal(p.entryPrice)),
          h('td', { class: 'nowrap' }, dateTime(p.entryTime)),
          h('td', { class: 'num' }, [
            decimal(p.quantity),
            Number(p.soldQuantity) > 0 ? h('span', { class: 'sub' }, `${decimal(p.soldQuantity)} sold`) : null,
          ]),
          h('td', { class: 'num' }, decimal(p.currentPrice)),
          h('td', { class: ['num', signClass(p.unrealizedPnl)], 'data-testid': `position-pnl-${p.symbol}` }, [
            signedMoney(p.unrealizedPnl, quote),
            h('span', { class: 'sub' }, signedPercent(p.unrealizedPnlPercent)),
          ]),
          h('td', { class: 'num' }, [
            decimal(p.takeProfit),
            h(
              'span',
              { class: 'sub' },
              distance(p.toTakeProfitPercent, p.toTakeProfitPercent !== null && p.toTakeProfitPercent <= 0),
            ),
          ]),
          h('td', { class: 'num' }, [
            decimal(p.stopLoss),
            h(
              'span',
              { class: 'sub', 'data-testid': `position-stop-distance-${p.symbol}` },
              distance(p.toStopPercent, p.toStopPercent !== null && p.toStopPercent >= 0),
            ),
            p.stopLimit ? h('span', { class: 'sub' }, `limit ${decimal(p.stopLimit)}`) : null,
          ]),
          h('td', { 'data-testid': `position-oco-${p.symbol}` }, pill(OCO_LABEL[p.ocoState], OCO_TONE[p.ocoState])),
          actions(p),
        ],
      );
    };

    return () =>
      h('div', { class: 'view view-positions' }, [
        viewHeader(
          'Positions',
          'One position per symbol, protected by an OCO sell (take-profit above, stop-loss below).',
        ),
        positions.error ? h('p', { class: 'error-text' }, positions.error) : null,
        panel(null, [
          h('div', { class: 'table-scroll' }, [
            h('table', { class: 'table' }, [
              h('thead', [
                h('tr', [
                  h('th', 'Symbol'),
                  h('th', 'Status'),
                  h('th', { class: 'num' }, 'Entry price'),
                  h('th', 'Entry time'),
                  h('th', { class: 'num' }, 'Quantity'),
                  h('th', { class: 'num' }, 'Price'),
                  h('th', { class: 'num' }, 'Unrealized PnL'),
                  h('th', { class: 'num' }, 'Take profit'),
                  h('th', { class: 'num' }, 'Stop loss'),
                  h('th', 'OCO'),
                  h('th', 'Actions'),
                ]),
              ]),
              h('tbody', positions.list.length ? positions.list.map(row) : [emptyRow(11, 'No open positions.')]),
            ]),
          ]),
        ]),
        symbols.value.length
          ? panel(
              h('div', { class: 'panel-head-row' }, [
                h('h2', 'Chart'),
                h(
                  'div',
                  { class: 'tabs', role: 'group', 'aria-label': 'Chart symbol' },
                  symbols.value.map((s) =>
                    h(
                      'button',
                      {
                        key: s,
                        type: 'button',
                        class: ['tab', selected.value === s ? 'tab-active' : ''],
                        'aria-pressed': selected.value === s ? 'true' : 'false',
                        'data-testid': `chart-tab-${s}`,
                        onClick: () => (selected.value = s),
                      },
                      s,
                    ),
                  ),
                ),
              ]),
              selected.value ? [h(PriceChart, { key: selected.value, symbol: selected.value })] : [],
              { 'data-testid': 'price-chart' },
            )
          : null,
        dialog(),
      ]);
  },
});
