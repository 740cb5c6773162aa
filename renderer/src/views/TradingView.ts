import { computed, defineComponent, h, onBeforeUnmount, onMounted, ref, watch } from 'vue';
import type { SignalRowDto } from '../../../shared/ipc/contract';
import { UNREACHABLE_CHOICES } from '../../../shared/market/unreachable-choices';
import { RouterLink } from 'vue-router';
import { AllocationBar } from '../components/AllocationBar';
import { ConfirmDialog } from '../components/ConfirmDialog';
import {
  capitalize,
  engineTone,
  marketTone,
  panel,
  pill,
  stat,
  userStreamTone,
  viewHeader,
  weightTone,
} from '../components/ui';
import { useAllocationsStore } from '../stores/allocations';
import { useConnectionStore } from '../stores/connection';
import { useEngineStore } from '../stores/engine';
import { useKeysStore } from '../stores/keys';
import { useNotificationsStore } from '../stores/notifications';
import { usePositionsStore } from '../stores/positions';
import { useSignalsStore } from '../stores/signals';
import { clockTime, DASH, dateTime, duration, money, percent, signedMoney } from '../util/format';

/** Start and stop the engine, and see its state and health at a glance. */
export const TradingView = defineComponent({
  name: 'TradingView',
  setup() {
    const engine = useEngineStore();
    const keys = useKeysStore();
    const connection = useConnectionStore();
    const allocations = useAllocationsStore();
    const positions = usePositionsStore();
    const notify = useNotificationsStore();
    const signals = useSignalsStore();

    const paperMarket = ref<'binance' | 'replay'>('binance');
    const replayDir = ref('');
    const liveEnv = ref('testnet');
    const now = ref(Date.now());
    let ticker: ReturnType<typeof setInterval> | undefined;
    onMounted(() => {
      void signals.refresh();
      ticker = setInterval(() => {
        now.value = Date.now();
        if (engine.active) void signals.refresh();
      }, 1000);
    });
    onBeforeUnmount(() => clearInterval(ticker));

    // Prefer an environment that has a key.
    watch(
      () => keys.list,
      () => {
        if (!keys.hasKey(liveEnv.value)) {
          const withKey = keys.environments.find((e) => keys.hasKey(e));
          if (withKey) liveEnv.value = withKey;
        }
      },
      { immediate: true },
    );

    const market = computed(() => (paperMarket.value === 'replay' ? `replay:${replayDir.value.trim()}` : 'binance'));
    const paperReady = computed(() => paperMarket.value === 'binance' || replayDir.value.trim().length > 0);
    const canStartPaper = computed(() => connection.connected && engine.canStart && paperReady.value);
    const liveKey = computed(() => keys.statusOf(liveEnv.value));
    const canStartLive = computed(() => connection.connected && engine.canStart && liveKey.value.configured);

    const confirmation = computed(() => engine.liveConfirmation);

    async function startLive(): Promise<void> {
      await engine.prepareLive(liveEnv.value);
    }

    const unrealized = computed(() => {
      let sum = 0;
      let any = false;
      for (const p of positions.list) {
        if (p.unrealizedPnl !== null) {
          sum += Number(p.unrealizedPnl);
          any = true;
        }
      }
      return any ? sum : null;
    });

    const busyHint = () =>
      engine.active
        ? h('p', { class: 'hint' }, `An engine is ${engine.status}: stop it before starting another.`)
        : null;

    const paperPanel = () =>
      panel(
        'Paper',
        [
          h('p', { class: 'muted' }, 'Simulated fills on real or replayed Binance prices. No API key needed.'),
          h('div', { class: 'form-row' }, [
            h('label', { class: 'field' }, [
              h('span', { class: 'field-label' }, 'Market data'),
              h(
                'select',
                {
                  value: paperMarket.value,
                  'data-testid': 'paper-market',
                  onChange: (e: Event) =>
                    (paperMarket.value = (e.target as HTMLSelectElement).value as 'binance' | 'replay'),
                },
                [
                  h('option', { value: 'binance' }, 'Binance live prices'),
                  h('option', { value: 'replay' }, 'Replay kline CSVs'),
                ],
              ),
            ]),
            paperMarket.value === 'replay'
              ? h('label', { class: 'field grow' }, [
                  h('span', { class: 'field-label' }, 'Replay folder'),
                  h('input', {
                    type: 'text',
                    value: replayDir.value,
                    placeholder: '/path/to/klines',
                    spellcheck: false,
                    'data-testid': 'replay-dir',
                    onInput: (e: Event) => (replayDir.value = (e.target as HTMLInputElement).value),
                  }),
                ])
              : null,
          ]),
          busyHint(),
          h('div', { class: 'actions' }, [
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn-primary',
                'data-testid': 'start-paper',
                disabled: !canStartPaper.value,
                onClick: () => engine.startPaper(market.value),
              },
              engine.busy === 'start' ? 'Starting…' : 'Start paper',
            ),
          ]),
        ],
        { class: 'panel panel-paper', 'data-testid': 'panel-paper' },
      );

    const livePanel = () =>
      panel(
        'Live',
        [
          h(
            'p',
            { class: 'muted' },
            'Real orders on Binance (or its testnet) with the key stored for the environment.',
          ),
          h('div', { class: 'form-row' }, [
            h('label', { class: 'field' }, [
              h('span', { class: 'field-label' }, 'Environment'),
              h(
                'select',
                {
                  value: liveEnv.value,
                  'data-testid': 'live-env',
                  onChange: (e: Event) => (liveEnv.value = (e.target as HTMLSelectElement).value),
                },
                keys.environments.map((env) =>
                  h('option', { key: env, value: env }, `${env}${keys.hasKey(env) ? '' : ' (no key)'}`),
                ),
              ),
            ]),
            h('div', { class: 'field' }, [
              h('span', { class: 'field-label' }, 'API key'),
              h(
                'span',
                { class: 'field-static mono', 'data-testid': 'live-key' },
                liveKey.value.configured
                  ? `${liveKey.value.maskedKey ?? 'stored'} (${liveKey.value.source ?? 'keychain'})`
                  : 'none stored',
              ),
            ]),
          ]),
          busyHint(),
          liveKey.value.configured
            ? null
            : h('p', { class: 'hint' }, [
                'Store an API key for ',
                h('strong', liveEnv.value),
                ' in ',
                h(RouterLink, { to: '/settings' }, () => 'Settings'),
                ' to trade live.',
              ]),
          h('div', { class: 'actions' }, [
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn-live',
                'data-testid': 'start-live',
                disabled: !canStartLive.value || engine.busy !== null,
                title: liveKey.value.configured ? undefined : `No API key stored for ${liveEnv.value}`,
                onClick: startLive,
              },
              engine.busy === 'confirmation' ? 'Checking account…' : 'Start live…',
            ),
          ]),
        ],
        { class: 'panel panel-live', 'data-testid': 'panel-live' },
      );

    const enginePanel = () => {
      const s = engine.state;
      return panel(
        h('div', { class: 'panel-head-row' }, [
          h('h2', 'Engine'),
          pill(s ? capitalize(engine.status) : 'Unknown', engineTone(s?.state), {
            'data-testid': 'engine-state-detail',
          }),
        ]),
        [
          h('div', { class: 'stats' }, [
            stat('Mode', s?.mode ? s.mode.toUpperCase() : DASH, { numeric: false, testid: 'engine-mode' }),
            stat('Environment', s?.environment ?? DASH, { numeric: false }),
            stat('Market', s?.market ?? DASH, { numeric: false }),
            stat('Started', s?.startedAt ? dateTime(s.startedAt) : DASH, { numeric: false }),
            stat('Uptime', s?.startedAt && engine.active ? duration(now.value - Date.parse(s.startedAt)) : DASH),
          ]),
          s?.ledgerFile ? h('p', { class: 'muted small mono', title: 'ledger file' }, s.ledgerFile) : null,
          s?.health.marketData === 'reconnecting' && !s.health.marketEverLive
            ? h('p', { class: 'warn-text', 'data-testid': 'unreachable-choices' }, UNREACHABLE_CHOICES.app)
            : null,
          s?.halted ? h('p', { class: 'warn-text' }, 'Halted: no new entries are taken.') : null,
          s?.emergencyStopPending ? h('p', { class: 'warn-text' }, 'Emergency stop in progress…') : null,
          s?.error ? h('p', { class: 'error-text', 'data-testid': 'engine-error' }, s.error) : null,
          engine.error && !s?.error ? h('p', { class: 'error-text' }, engine.error) : null,
          h('div', { class: 'actions' }, [
            h(
              'button',
              {
                type: 'button',
                class: 'btn',
                'data-testid': 'stop',
                disabled: !connection.connected || !engine.canStop,
                title: 'No new entries; orders in flight finish; open positions stay protected by their OCOs',
                onClick: () => engine.stop(),
              },
              engine.busy === 'stop' || engine.status === 'stopping' ? 'Stopping…' : 'Stop',
            ),
            h(
              'span',
              { class: 'muted small' },
              'Stop keeps open positions protected by their OCOs. Use Emergency stop (top right) to sell everything.',
            ),
          ]),
        ],
      );
    };

    const healthPanel = () => {
      const hl = engine.state?.health;
      const w = hl?.weight ?? null;
      const ratio = w && w.limit > 0 ? Math.min(1, w.used / w.limit) : 0;
      return panel('Connection health', [
        h('dl', { class: 'health' }, [
          h('dt', 'Host'),
          h('dd', pill(connection.label, connection.connected ? 'ok' : 'bad')),
          h('dt', 'Market data'),
          h('dd', { 'data-testid': 'health-market' }, [
            hl ? pill(hl.marketData, marketTone(hl.marketData, engine.active)) : DASH,
            hl?.marketDetail ? h('span', { class: 'muted small' }, ` ${hl.marketDetail}`) : null,
          ]),
          h('dt', 'User stream'),
          h(
            'dd',
            { 'data-testid': 'health-user-stream' },
            hl ? pill(hl.userStream, userStreamTone(hl.userStream)) : DASH,
          ),
          h('dt', 'Request weight'),
          h('dd', { 'data-testid': 'health-weight' }, [
            w
              ? h('div', { class: 'meter-row' }, [
                  h(
                    'div',
                    {
                      class: ['meter', `meter-${weightTone(w)}`],
                      role: 'meter',
                      'aria-valuemin': 0,
                      'aria-valuemax': w.limit,
                      'aria-valuenow': w.used,
                      'aria-label': 'Request weight used this minute',
                    },
                    h('div', { class: 'meter-fill', style: { width: `${ratio * 100}%` } }),
                  ),
                  h('span', { class: 'num small' }, `${w.used} / ${w.limit}`),
                ])
              : h('span', { class: 'muted' }, 'not in use'),
          ]),
        ]),
        hl?.paused
          ? h('p', { class: 'error-text' }, [
              h('strong', hl.paused.reason === 'banned' ? 'IP banned by Binance' : 'Rate limited by Binance'),
              ` until ${dateTime(hl.paused.until)}: ${hl.paused.detail}`,
            ])
          : null,
      ]);
    };

    const glancePanel = () => {
      const a = allocations.status;
      const quote = allocations.quoteAsset;
      return panel(
        h('div', { class: 'panel-head-row' }, [
          h('h2', 'Account'),
          h(RouterLink, { to: '/allocations', class: 'small' }, () => 'Allocations →'),
        ]),
        [
          h('div', { class: 'stats' }, [
            stat('Total balance', a ? money(a.totalBalance, quote) : DASH),
            stat('Reserved', a ? `${money(a.totalReserved, quote)} (${percent(a.allocationPercentage)})` : DASH),
            stat('Available', a ? money(a.availableBalance, quote) : DASH),
            stat('Open positions', String(positions.list.length)),
            stat('Unrealized PnL', unrealized.value === null ? DASH : signedMoney(unrealized.value, quote), {
              cls: unrealized.value === null ? '' : unrealized.value >= 0 ? 'pos' : 'neg',
            }),
          ]),
          h(AllocationBar, { compact: true }),
        ],
      );
    };

    /** Offered once, on the first start: desktop notifications for entries, exits and errors. */
    const notificationOffer = () =>
      !notify.offered && notify.permission !== 'unsupported'
        ? h('div', { class: 'panel notice', 'data-testid': 'notify-offer' }, [
            h(
              'p',
              'Get a desktop notification for every entry, exit and error, even when this window is in the background?',
            ),
            h('div', { class: 'actions' }, [
              h('button', { type: 'button', class: 'btn btn-primary', onClick: () => void notify.enable() }, 'Turn on'),
              h('button', { type: 'button', class: 'btn', onClick: () => notify.disable() }, 'No thanks'),
            ]),
          ])
        : null;

    /** A row's signal against its thresholds: a bar from the exit threshold to the entry one, and the last values. */
    const gauge = (r: SignalRowDto) => {
      const lo = Math.min(r.exitThreshold, 0);
      const hi = Math.max(r.threshold, 0);
      const span = hi - lo || 1;
      const at = r.value === null ? null : Math.min(1, Math.max(0, (r.value - lo) / span));
      const zero = (0 - lo) / span;
      const w = 120;
      const hgt = 22;
      const ys = r.history.map((v) => hgt - 2 - Math.min(1, Math.max(0, (v - lo) / span)) * (hgt - 4));
      const points = ys.map((y, i) => `${(i / Math.max(1, ys.length - 1)) * w},${y.toFixed(1)}`).join(' ');
      return h(
        'svg',
        {
          class: 'signal-gauge',
          width: w,
          height: hgt,
          viewBox: `0 0 ${w} ${hgt}`,
          role: 'img',
          'aria-label': `z ${r.value?.toFixed(2) ?? 'warming up'} of ${r.threshold}`,
        },
        [
          h('line', {
            x1: 0,
            x2: w,
            y1: hgt - 2 - zero * (hgt - 4),
            y2: hgt - 2 - zero * (hgt - 4),
            class: 'gauge-zero',
          }),
          h('line', { x1: 0, x2: w, y1: 2, y2: 2, class: 'gauge-threshold' }),
          points ? h('polyline', { points, class: 'gauge-line', fill: 'none' }) : null,
          at !== null
            ? h('circle', {
                cx: w,
                cy: hgt - 2 - at * (hgt - 4),
                r: 2.5,
                class: r.value! >= r.threshold ? 'gauge-dot hot' : 'gauge-dot',
              })
            : null,
        ],
      );
    };

    /** Every traded set's live signal, the last closed candle and the engine's last decision. */
    const signalsPanel = () =>
      panel(
        'Signals',
        signals.rows.length
          ? h('div', { class: 'table-scroll' }, [
              h('table', { class: 'table', 'data-testid': 'signals-table' }, [
                h('thead', [
                  h('tr', [
                    h('th', 'Set'),
                    h('th', 'Signal vs threshold'),
                    h('th', { class: 'num' }, 'z'),
                    h('th', { class: 'num' }, 'Enters at'),
                    h('th', 'Last candle'),
                    h('th', 'Last decision'),
                    h('th', 'Last refusal'),
                  ]),
                ]),
                h(
                  'tbody',
                  signals.rows.map((r) =>
                    h('tr', { key: r.symbol, 'data-testid': `signal-${r.symbol}` }, [
                      h('td', [h('strong', r.symbol), r.enabled ? null : [' ', pill('paused', 'warn')]]),
                      h('td', gauge(r)),
                      h(
                        'td',
                        { class: 'num', 'data-testid': `signal-value-${r.symbol}` },
                        r.value === null ? DASH : r.value.toFixed(2),
                      ),
                      h('td', { class: 'num' }, `≥ ${r.threshold}`),
                      h('td', { class: 'nowrap' }, r.candleTime ? clockTime(r.candleTime) : DASH),
                      h('td', { 'data-testid': `signal-decision-${r.symbol}` }, r.decision),
                      h(
                        'td',
                        { class: 'muted', 'data-testid': `signal-refusal-${r.symbol}` },
                        r.lastRefusal
                          ? [
                              r.lastRefusal,
                              r.lastRefusalTime ? h('span', { class: 'sub' }, clockTime(r.lastRefusalTime)) : null,
                            ]
                          : DASH,
                      ),
                    ]),
                  ),
                ),
              ]),
            ])
          : h(
              'p',
              { class: 'muted' },
              "Start trading to see every set's signal against its threshold, and why it did or did not trade.",
            ),
        { 'data-testid': 'signals-panel' },
      );

    /** What happened lately: entries, exits, refusals and errors, newest first. */
    const activityPanel = () =>
      panel(
        'Activity',
        notify.recent.length
          ? h(
              'ul',
              { class: 'feed', 'data-testid': 'activity-feed' },
              notify.recent
                .slice(0, 12)
                .map((n, i) =>
                  h('li', { key: `${n.at}-${i}`, class: `feed-line feed-${n.kind}`, 'data-testid': 'feed-line' }, [
                    h('span', { class: 'muted small mono' }, clockTime(n.at)),
                    ' ',
                    h('strong', n.title),
                    ' ',
                    h('span', n.body),
                  ]),
                ),
            )
          : h('p', { class: 'muted' }, 'Entries, exits, refusals and errors appear here as they happen.'),
      );

    return () => {
      const c = confirmation.value;
      return h('div', { class: 'view view-trading' }, [
        viewHeader('Trading', 'Start paper or live trading; stop keeps positions protected.'),
        notificationOffer(),
        h('div', { class: 'grid-2' }, [paperPanel(), livePanel()]),
        h('div', { class: 'grid-2' }, [enginePanel(), healthPanel()]),
        glancePanel(),
        signalsPanel(),
        activityPanel(),
        h(
          ConfirmDialog,
          {
            open: c !== null,
            title: `Start live trading on ${c?.environment ?? ''}`,
            confirmLabel: 'Start live trading',
            busy: engine.busy === 'start',
            onConfirm: () => c && engine.startLive(c),
            onCancel: () => engine.cancelLive(),
          },
          () =>
            c
              ? [
                  h('p', 'Tranche will place real orders with this account:'),
                  h('dl', { class: 'confirm-facts' }, [
                    h('dt', 'Account'),
                    h('dd', { class: 'mono', 'data-testid': 'confirm-account' }, c.account),
                    h('dt', 'Environment'),
                    h('dd', c.environment),
                    h('dt', 'Balance'),
                    h('dd', { class: 'num' }, money(c.balance, c.quoteAsset)),
                    h('dt', 'At stake'),
                    h('dd', { class: 'num strong', 'data-testid': 'confirm-at-stake' }, [
                      money(c.atStakeAmount, c.quoteAsset),
                      h(
                        'span',
                        { class: 'muted' },
                        ` (${percent(c.atStakePercent)} of the balance, the enabled sets' allocations)`,
                      ),
                    ]),
                  ]),
                  c.environment === 'live' ? h('p', { class: 'warn-text' }, 'This is real money.') : null,
                ]
              : [],
        ),
      ]);
    };
  },
});
