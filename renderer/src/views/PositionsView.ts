import { computed, defineComponent, h, ref, watch } from 'vue';
import type { PositionDto } from '../../../shared/ipc/contract';
import { PriceChart } from '../components/PriceChart';
import { emptyRow, panel, pill, viewHeader, type Tone } from '../components/ui';
import { useAllocationsStore } from '../stores/allocations';
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
                ]),
              ]),
              h('tbody', positions.list.length ? positions.list.map(row) : [emptyRow(10, 'No open positions.')]),
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
      ]);
  },
});
