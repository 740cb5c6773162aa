import { defineComponent, h } from 'vue';
import { useAllocationsStore } from '../stores/allocations';
import { money, percent } from '../util/format';

export const STATE_LABELS = {
  reserved: 'Reserved',
  buying: 'Buying',
  protected: 'Protected',
  exiting: 'Exiting',
  available: 'Available',
} as const;

/**
 * The whole account as one bar: each reservation's share, coloured by its state, then the
 * available part. Segments are buttons-free (not interactive) but labelled for screen readers.
 */
export const AllocationBar = defineComponent({
  name: 'AllocationBar',
  props: { compact: { type: Boolean, default: false } },
  setup(props) {
    const allocations = useAllocationsStore();
    return () => {
      const s = allocations.status;
      const quote = allocations.quoteAsset;
      const label = s
        ? `${percent(s.allocationPercentage)} of ${money(s.totalBalance, quote)} reserved`
        : 'Allocation not loaded';
      return h('div', { class: ['alloc', props.compact ? 'alloc-compact' : ''] }, [
        h(
          'div',
          {
            class: 'alloc-bar',
            role: 'img',
            'aria-label': label,
            'data-testid': props.compact ? 'allocation-bar-mini' : 'allocation-bar',
          },
          allocations.segments.map((seg) =>
            h(
              'div',
              {
                key: seg.key,
                class: ['alloc-seg', `state-${seg.state}`],
                style: { width: `${Math.max(0, Math.min(100, seg.percent))}%` },
                title: `${seg.symbol ?? 'Available'} · ${STATE_LABELS[seg.state]} · ${money(seg.amount, quote)} (${percent(seg.percent)})`,
                'data-testid': props.compact
                  ? undefined
                  : seg.symbol
                    ? `reservation-${seg.symbol}`
                    : 'allocation-available-segment',
                'data-state': seg.state,
              },
              !props.compact && seg.percent >= 9
                ? h('span', { class: 'alloc-seg-label' }, [
                    h('strong', seg.symbol ?? 'Available'),
                    ` ${money(seg.amount, quote)}`,
                  ])
                : undefined,
            ),
          ),
        ),
        props.compact
          ? null
          : h(
              'ul',
              { class: 'legend' },
              (['reserved', 'buying', 'protected', 'exiting', 'available'] as const).map((st) =>
                h('li', { key: st }, [
                  h('span', { class: ['swatch', `state-${st}`], 'aria-hidden': 'true' }),
                  STATE_LABELS[st],
                ]),
              ),
            ),
      ]);
    };
  },
});
