import { defineComponent, h } from 'vue';
import { EquityChart } from '../components/EquityChart';
import { emptyRow, panel, stat, viewHeader } from '../components/ui';
import { useAllocationsStore } from '../stores/allocations';
import { useConnectionStore } from '../stores/connection';
import { useHistoryStore } from '../stores/history';
import { DASH, dateTime, decimal, money, percent, signClass, signedMoney, signedPercent } from '../util/format';
import { exitReasonWords } from '../../../shared/trading/exit-reasons';

/** Closed trades with exit reason and PnL, totals, the equity curve; CSV export. */
export const HistoryView = defineComponent({
  name: 'HistoryView',
  setup() {
    const history = useHistoryStore();
    const allocations = useAllocationsStore();
    const connection = useConnectionStore();

    return () => {
      const d = history.data;
      const quote = allocations.quoteAsset;
      const t = d?.totals;
      const trades = d ? [...d.trades].sort((a, b) => b.exitTime.localeCompare(a.exitTime)) : [];
      return h('div', { class: 'view view-history' }, [
        viewHeader('History', 'Closed trades, newest first.', [
          h(
            'button',
            {
              type: 'button',
              class: 'btn',
              'data-testid': 'history-export',
              disabled: !connection.connected || !d || d.trades.length === 0,
              onClick: () => history.exportCsv(),
            },
            'Export CSV',
          ),
        ]),
        history.error ? h('p', { class: 'error-text' }, history.error) : null,
        h('div', { class: 'grid-history' }, [
          panel('Totals', [
            h('div', { class: 'stats stats-column', 'data-testid': 'history-totals' }, [
              stat('Trades', t ? String(t.trades) : DASH, { testid: 'history-trades' }),
              stat('Wins / losses', t ? `${t.wins} / ${t.losses}` : DASH),
              stat('Win rate', t && t.trades > 0 ? percent((t.wins / t.trades) * 100, 1) : DASH),
              stat('Realized PnL', t ? signedMoney(t.pnl, quote) : DASH, {
                cls: signClass(t?.pnl),
                testid: 'history-pnl',
              }),
              stat('Fees', t ? money(t.fees, quote) : DASH),
            ]),
          ]),
          panel('Equity', [
            d && d.equity.length > 1
              ? h(EquityChart, { points: d.equity })
              : h('p', { class: 'muted chart-placeholder' }, 'The curve appears after the first closed trade.'),
          ]),
        ]),
        panel('Trades', [
          h('div', { class: 'table-scroll' }, [
            h('table', { class: 'table' }, [
              h('thead', [
                h('tr', [
                  h('th', 'Symbol'),
                  h('th', 'Entry'),
                  h('th', 'Exit'),
                  h('th', { class: 'num' }, 'Entry price'),
                  h('th', { class: 'num' }, 'Exit price'),
                  h('th', { class: 'num' }, 'Quantity'),
                  h('th', { class: 'num' }, 'Cost'),
                  h('th', { class: 'num' }, 'Fees'),
                  h('th', { class: 'num' }, 'PnL'),
                  h('th', 'Exit reason'),
                ]),
              ]),
              h(
                'tbody',
                trades.length
                  ? trades.map((tr, i) =>
                      h('tr', { key: `${tr.positionId}`, 'data-testid': `history-row-${i}` }, [
                        h('td', { class: 'strong' }, tr.symbol),
                        h('td', { class: 'nowrap' }, dateTime(tr.entryTime)),
                        h('td', { class: 'nowrap' }, dateTime(tr.exitTime)),
                        h('td', { class: 'num' }, decimal(tr.entryPrice)),
                        h('td', { class: 'num' }, decimal(tr.exitPrice)),
                        h('td', { class: 'num' }, decimal(tr.quantity)),
                        h('td', { class: 'num' }, money(tr.cost, quote)),
                        h('td', { class: 'num' }, money(tr.fees, quote)),
                        h('td', { class: ['num', signClass(tr.pnl)] }, [
                          signedMoney(tr.pnl, quote),
                          h('span', { class: 'sub' }, signedPercent(tr.pnlPercent)),
                        ]),
                        h('td', { 'data-testid': `history-reason-${i}` }, exitReasonWords(tr.exitReason)),
                      ]),
                    )
                  : [emptyRow(10, d ? 'No closed trades yet.' : 'Not loaded yet.')],
              ),
            ]),
          ]),
        ]),
      ]);
    };
  },
});
