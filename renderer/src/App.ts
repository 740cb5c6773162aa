import { computed, defineComponent, h, onBeforeUnmount, onMounted, ref } from 'vue';
import { RouterLink, RouterView } from 'vue-router';
import { ConfirmDialog } from './components/ConfirmDialog';
import { capitalize, engineTone, marketTone, pill, userStreamTone, weightTone } from './components/ui';
import { routes } from './router';
import { useConnectionStore } from './stores/connection';
import { useEngineStore } from './stores/engine';
import { usePositionsStore } from './stores/positions';
import { useNotificationsStore } from './stores/notifications';
import { useUiStore } from './stores/ui';

/** The shell: header (state at a glance, the always-visible emergency stop), navigation, toasts. */
export const App = defineComponent({
  name: 'TrancheApp',
  setup() {
    const engine = useEngineStore();
    const positionsStore = usePositionsStore();
    const connection = useConnectionStore();
    const notify = useNotificationsStore();
    const ui = useUiStore();
    const confirmEmergency = ref(false);
    const now = ref(Date.now());
    let ticker: ReturnType<typeof setInterval> | undefined;
    onMounted(() => {
      ticker = setInterval(() => (now.value = Date.now()), 1000);
    });
    onBeforeUnmount(() => clearInterval(ticker));

    const retryIn = computed(() => {
      const at = connection.info.retryAt;
      return at ? Math.max(0, Math.ceil((at - now.value) / 1000)) : null;
    });

    async function emergencyStop(): Promise<void> {
      await engine.emergencyStop();
      confirmEmergency.value = false;
    }

    /** Mode, environment and ledger the views show: "LIVE · testnet · live-testnet.sqlite · 1 position". */
    const modeBadge = () => {
      const v = engine.state?.viewing;
      if (!v) return null;
      const file = v.file.split(/[\\/]/).pop() ?? v.file;
      // While trading, the positions pushed since; otherwise what the stored ledger holds.
      const n = positionsStore.loaded && engine.active ? positionsStore.list.length : v.openPositions;
      const positions = `${n} position${n === 1 ? '' : 's'}`;
      return h(
        'span',
        {
          class: ['mode-badge', v.mode === 'live' ? 'mode-live' : 'mode-paper'],
          'data-testid': 'mode-badge',
          title: `${engine.state?.mode ? 'Trading' : 'Showing'} the ledger ${v.file}`,
        },
        `${v.mode === 'live' ? 'LIVE' : 'PAPER'} · ${v.environment} · ${file} · ${positions}`,
      );
    };

    const healthChips = () => {
      const s = engine.state;
      // Health matters while an engine runs; a stopped engine shows its state only.
      if (!s || !engine.active) return [];
      const w = s.health.weight;
      return [
        pill(`Market ${s.health.marketData}`, marketTone(s.health.marketData, engine.active), {
          title: s.health.marketDetail ?? 'market data',
          'data-testid': 'header-market',
        }),
        s.mode === 'live'
          ? pill(`User stream ${s.health.userStream}`, userStreamTone(s.health.userStream), {
              'data-testid': 'header-user-stream',
            })
          : null,
        w
          ? pill(`Weight ${w.used}/${w.limit}`, weightTone(w), {
              title: 'Binance request weight used this minute / limit',
              'data-testid': 'header-weight',
            })
          : null,
        s.health.paused
          ? pill(s.health.paused.reason === 'banned' ? 'IP banned' : 'Rate limited', 'bad', {
              title: s.health.paused.detail,
            })
          : null,
      ];
    };

    const banner = () => {
      const c = connection.info;
      if (c.status === 'connected') return null;
      const text =
        c.status === 'no-host'
          ? c.detail
          : c.status === 'connecting'
            ? 'Connecting to the Tranche host…'
            : `Disconnected from the Tranche host${c.detail ? ` (${c.detail})` : ''}.${
                retryIn.value !== null ? ` Retrying in ${retryIn.value} s.` : ''
              } Nothing shown below is live.`;
      return h(
        'div',
        {
          class: ['banner', c.status === 'connecting' ? 'banner-info' : 'banner-bad'],
          role: 'status',
          'data-testid': 'connection-banner',
        },
        [
          h('span', text ?? ''),
          c.status === 'disconnected'
            ? h('button', { type: 'button', class: 'btn btn-small', onClick: connection.reconnectNow }, 'Retry now')
            : null,
        ],
      );
    };

    const header = () =>
      h('header', { class: 'app-header', 'data-testid': 'app-header' }, [
        h('div', { class: 'brand' }, [h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'Tranche']),
        modeBadge(),
        pill(engine.state ? capitalize(engine.status) : 'Engine —', engineTone(engine.state?.state), {
          'data-testid': 'engine-state',
          title: engine.state?.error ?? 'engine state',
        }),
        ...healthChips(),
        h('div', { class: 'spacer' }),
        pill(connection.label, connection.connected ? 'ok' : connection.info.status === 'connecting' ? 'warn' : 'bad', {
          'data-testid': 'connection-status',
          title: connection.info.detail ?? connection.info.transport,
        }),
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-ghost btn-icon',
            'data-testid': 'theme-toggle',
            'aria-label': `Switch to ${ui.resolved === 'dark' ? 'light' : 'dark'} theme`,
            title: `Switch to ${ui.resolved === 'dark' ? 'light' : 'dark'} theme`,
            onClick: ui.toggle,
          },
          ui.resolved === 'dark' ? '☀' : '☾',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-emergency',
            'data-testid': 'emergency-stop',
            disabled: !connection.connected || engine.busy === 'emergency',
            title: connection.connected
              ? 'No new entries, cancel every OCO, sell every position at market, clear reservations'
              : 'Not connected to the host',
            onClick: () => (confirmEmergency.value = true),
          },
          engine.busy === 'emergency' ? 'Stopping…' : 'Emergency stop',
        ),
      ]);

    const nav = () =>
      h(
        'nav',
        { class: 'app-nav', 'aria-label': 'Sections' },
        h(
          'ul',
          routes
            .filter((r) => r.meta?.title)
            .map((r) =>
              h(
                'li',
                { key: r.path },
                h(RouterLink, { to: r.path, class: 'nav-link', 'data-testid': `nav-${String(r.name)}` }, () => [
                  String(r.meta!.title),
                ]),
              ),
            ),
        ),
      );

    const toasts = () =>
      h(
        'div',
        { class: 'toasts', role: 'status', 'aria-live': 'polite' },
        notify.toasts.map((t) =>
          h('div', { key: t.id, class: ['toast', `toast-${t.kind}`], 'data-testid': 'toast' }, [
            h('span', t.text),
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn-ghost btn-icon',
                'aria-label': 'Dismiss',
                onClick: () => notify.dismiss(t.id),
              },
              '×',
            ),
          ]),
        ),
      );

    return () =>
      h('div', { class: 'app' }, [
        h('a', { class: 'skip-link', href: '#main' }, 'Skip to content'),
        header(),
        banner(),
        h('div', { class: 'app-body' }, [
          nav(),
          h('main', { id: 'main', class: 'app-main', tabindex: '-1' }, h(RouterView)),
        ]),
        toasts(),
        h(
          ConfirmDialog,
          {
            open: confirmEmergency.value,
            title: 'Emergency stop',
            confirmLabel: 'Emergency stop now',
            busy: engine.busy === 'emergency',
            onConfirm: emergencyStop,
            onCancel: () => (confirmEmergency.value = false),
          },
          () => [
            h('p', 'Tranche will, at once:'),
            h('ul', [
              h('li', 'stop taking new entries,'),
              h('li', 'cancel every OCO order,'),
              h('li', 'sell every open position at market,'),
              h('li', 'clear every reservation.'),
            ]),
            engine.state?.viewing
              ? h('p', ['Ledger: ', h('span', { class: 'mono' }, engine.state.viewing.file)])
              : null,
            positionsStore.list.length
              ? [
                  h('p', `It sells these ${positionsStore.list.length} position(s):`),
                  h(
                    'ul',
                    { 'data-testid': 'emergency-positions' },
                    positionsStore.list.map((p) =>
                      h(
                        'li',
                        { key: p.symbol },
                        `${p.symbol}: ${p.quantity} (entered at ${p.entryPrice}, ${p.status})`,
                      ),
                    ),
                  ),
                ]
              : h('p', { 'data-testid': 'emergency-positions' }, 'There is no open position to sell.'),
            engine.state?.mode === 'live' || engine.state?.viewing?.mode === 'live'
              ? h(
                  'p',
                  { class: 'warn-text' },
                  `This sells real funds on ${engine.state?.environment ?? engine.state?.viewing?.environment ?? 'Binance'}.`,
                )
              : null,
          ],
        ),
      ]);
  },
});
