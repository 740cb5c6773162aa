import { defineComponent, h, ref } from 'vue';
import { AllocationBar, STATE_LABELS } from '../components/AllocationBar';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { emptyRow, panel, stat, viewHeader } from '../components/ui';
import { useAllocationsStore } from '../stores/allocations';
import { useConnectionStore } from '../stores/connection';
import { DASH, dateTime, money, percent } from '../util/format';

/** The account split into each set's reservation, live, with getAllocationStatus() beside it. */
export const AllocationsView = defineComponent({
  name: 'AllocationsView',
  setup() {
    const allocations = useAllocationsStore();
    const connection = useConnectionStore();
    const confirmClear = ref(false);

    async function clearAll(): Promise<void> {
      await allocations.clearAll();
      confirmClear.value = false;
    }

    return () => {
      const s = allocations.status;
      const quote = allocations.quoteAsset;
      return h('div', { class: 'view view-allocations' }, [
        viewHeader(
          'Allocations',
          'Each signal reserves its set’s share of the total balance until its position closes.',
          [
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn-danger-outline',
                'data-testid': 'clear-allocations',
                disabled: !connection.connected || !s || s.reservations.length === 0 || allocations.clearing,
                onClick: () => (confirmClear.value = true),
              },
              'Clear all allocations…',
            ),
          ],
        ),
        allocations.error ? h('p', { class: 'error-text' }, allocations.error) : null,
        panel(null, [
          h('div', { class: 'alloc-layout' }, [
            h('div', { class: 'alloc-main' }, [h(AllocationBar)]),
            h('div', { class: 'alloc-numbers' }, [
              stat('Total balance', s ? money(s.totalBalance, quote) : DASH, { testid: 'allocation-balance' }),
              stat('Total reserved', s ? money(s.totalReserved, quote) : DASH, { testid: 'allocation-reserved' }),
              stat('Available', s ? money(s.availableBalance, quote) : DASH, { testid: 'allocation-available' }),
              stat('Allocated', s ? percent(s.allocationPercentage) : DASH, {
                testid: 'allocation-total',
                cls: 'strong',
              }),
            ]),
          ]),
        ]),
        panel('Reservations', [
          h('table', { class: 'table' }, [
            h('thead', [
              h('tr', [
                h('th', 'Symbol'),
                h('th', 'State'),
                h('th', { class: 'num' }, 'Set allocation'),
                h('th', { class: 'num' }, 'Reserved'),
                h('th', { class: 'num' }, 'Share of balance'),
                h('th', 'Since'),
                h('th', 'Entry order'),
              ]),
            ]),
            h(
              'tbody',
              s && s.reservations.length > 0
                ? s.reservations.map((r) =>
                    h('tr', { key: r.symbol, 'data-testid': `reservation-row-${r.symbol}` }, [
                      h('td', { class: 'strong' }, r.symbol),
                      h('td', [
                        h('span', { class: ['swatch', `state-${r.state}`], 'aria-hidden': 'true' }),
                        STATE_LABELS[r.state],
                      ]),
                      h('td', { class: 'num' }, percent(r.allocationPercent)),
                      h('td', { class: 'num' }, money(r.reservedAmount, quote)),
                      h(
                        'td',
                        { class: 'num' },
                        Number(s.totalBalance) > 0
                          ? percent((Number(r.reservedAmount) / Number(s.totalBalance)) * 100)
                          : DASH,
                      ),
                      h('td', dateTime(r.timestamp)),
                      h('td', { class: 'mono small' }, r.orderId || DASH),
                    ]),
                  )
                : [emptyRow(7, s ? 'No reservations: the whole balance is available.' : 'Not loaded yet.')],
            ),
          ]),
        ]),
        h(
          ConfirmDialog,
          {
            open: confirmClear.value,
            title: 'Clear all allocations',
            confirmLabel: 'Clear all',
            busy: allocations.clearing,
            onConfirm: clearAll,
            onCancel: () => (confirmClear.value = false),
          },
          () => [
            h('p', 'Every reservation is released and the whole balance becomes available to new signals.'),
            h(
              'p',
              { class: 'warn-text' },
              'Positions that are still open are not sold: their coins stay in the account. Use Emergency stop to sell them.',
            ),
          ],
        ),
      ]);
    };
  },
});
