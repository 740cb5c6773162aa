import { defineComponent, h, nextTick, onMounted, ref, watch } from 'vue';
import { viewHeader } from '../components/ui';
import { LOG_CAPACITY, useLogStore, type LevelFilter } from '../stores/log';
import { clockTime, dateTime } from '../util/format';

/** The engine's lines, live, filterable by text, symbol and level. */
export const LogView = defineComponent({
  name: 'LogView',
  setup() {
    const log = useLogStore();
    const box = ref<HTMLElement | null>(null);
    const follow = ref(true);

    async function scrollToEnd(): Promise<void> {
      await nextTick();
      if (follow.value && box.value) box.value.scrollTop = box.value.scrollHeight;
    }
    onMounted(scrollToEnd);
    watch(() => log.filtered.length && log.filtered.at(-1)?.seq, scrollToEnd);

    function onScroll(): void {
      const el = box.value;
      if (!el) return;
      follow.value = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
    }

    return () =>
      h('div', { class: 'view view-log' }, [
        viewHeader('Log', `The engine’s lines as they happen (the last ${LOG_CAPACITY} are kept here).`),
        h('div', { class: 'filters', role: 'search' }, [
          h('label', { class: 'field grow' }, [
            h('span', { class: 'field-label' }, 'Text'),
            h('input', {
              type: 'search',
              value: log.text,
              placeholder: 'Filter lines…',
              'data-testid': 'log-filter-text',
              onInput: (e: Event) => (log.text = (e.target as HTMLInputElement).value),
            }),
          ]),
          h('label', { class: 'field' }, [
            h('span', { class: 'field-label' }, 'Symbol'),
            h(
              'select',
              {
                value: log.symbol,
                'data-testid': 'log-filter-symbol',
                onChange: (e: Event) => (log.symbol = (e.target as HTMLSelectElement).value),
              },
              [
                h('option', { value: '' }, 'All symbols'),
                ...log.symbols.map((s) => h('option', { key: s, value: s }, s)),
              ],
            ),
          ]),
          h('label', { class: 'field' }, [
            h('span', { class: 'field-label' }, 'Level'),
            h(
              'select',
              {
                value: log.level,
                'data-testid': 'log-filter-level',
                onChange: (e: Event) => (log.level = (e.target as HTMLSelectElement).value as LevelFilter),
              },
              [
                h('option', { value: 'all' }, 'All levels'),
                h('option', { value: 'warn' }, 'Warnings and errors'),
                h('option', { value: 'error' }, 'Errors only'),
              ],
            ),
          ]),
          h('div', { class: 'field' }, [
            h('span', { class: 'field-label' }, '\u00a0'),
            h('button', { type: 'button', class: 'btn', onClick: log.clearFilters }, 'Clear filters'),
          ]),
        ]),
        h(
          'p',
          { class: 'muted small', 'data-testid': 'log-count' },
          `${log.filtered.length} of ${log.lines.length} lines`,
        ),
        h(
          'div',
          {
            ref: box,
            class: 'log',
            tabindex: 0,
            role: 'log',
            'aria-live': 'off',
            'aria-label': 'Engine log',
            onScroll,
          },
          log.filtered.length
            ? log.filtered.map((l) =>
                h('div', { key: l.seq, class: ['log-line', `log-${l.level}`], 'data-testid': 'log-line' }, [
                  h('time', { datetime: l.time, title: dateTime(l.time) }, clockTime(l.time)),
                  h('span', { class: 'log-level' }, l.level),
                  h('span', { class: 'log-symbol' }, l.symbol ?? ''),
                  h('span', { class: 'log-text' }, l.text),
                ]),
              )
            : h(
                'div',
                { class: 'muted log-empty' },
                log.lines.length ? 'No line matches the filters.' : 'No lines yet.',
              ),
        ),
        follow.value
          ? null
          : h(
              'button',
              {
                type: 'button',
                class: 'btn btn-small log-follow',
                onClick: () => {
                  follow.value = true;
                  void scrollToEnd();
                },
              },
              'Follow new lines ↓',
            ),
      ]);
  },
});
