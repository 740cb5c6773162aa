// @vitest-environment happy-dom
/// <reference lib="dom" />
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { provideApi } from '../../renderer/src/api';
import { useAllocationsStore } from '../../renderer/src/stores/allocations';
import { useEngineStore } from '../../renderer/src/stores/engine';
import { useHistoryStore } from '../../renderer/src/stores/history';
import { useKeysStore } from '../../renderer/src/stores/keys';
import { LOG_CAPACITY, useLogStore } from '../../renderer/src/stores/log';
import { useNotificationsStore } from '../../renderer/src/stores/notifications';
import { useParamsStore } from '../../renderer/src/stores/params';
import { startSync } from '../../renderer/src/stores/sync';
import { allocation, engineState, Failure, FakeApi, seededApi, T0 } from './fake-api';

let api: FakeApi;

beforeEach(() => {
  api = seededApi();
  provideApi(api);
  setActivePinia(createPinia());
  localStorage.clear();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('engine store', () => {
  it('loads the state and follows engine.state events', async () => {
    const engine = useEngineStore();
    await engine.refresh();
    expect(engine.status).toBe('stopped');
    expect(engine.canStart).toBe(true);
    api.emit('engine.state', engineState({ state: 'running', mode: 'paper', environment: 'binance', startedAt: T0 }));
    expect(engine.running).toBe(true);
    expect(engine.canStart).toBe(false);
    expect(engine.canStop).toBe(true);
  });

  it('starts paper on the chosen market', async () => {
    api.handle('engine.start', (input) =>
      engineState({ state: 'starting', mode: input.mode, market: input.market ?? null }),
    );
    const engine = useEngineStore();
    expect(await engine.startPaper('replay:/tmp/seed')).toBe(true);
    expect(api.callsOf('engine.start')).toEqual([{ mode: 'paper', market: 'replay:/tmp/seed' }]);
    expect(engine.status).toBe('starting');
  });

  it('starts live only with the confirmation naming the account and the amount at stake', async () => {
    api
      .handle('engine.liveConfirmation', ({ environment }) => ({
        environment,
        account: `${environment} ••••••••WXYZ`,
        quoteAsset: 'USDT',
        balance: '1000.00',
        atStakePercent: 99.9,
        atStakeAmount: '999.00',
      }))
      .handle('engine.start', (input) =>
        engineState({ state: 'starting', mode: input.mode, environment: input.environment ?? null }),
      );
    const engine = useEngineStore();
    expect(await engine.prepareLive('testnet')).toBe(true);
    expect(api.callsOf('engine.start')).toHaveLength(0);
    const confirmation = engine.liveConfirmation!;
    expect(confirmation.account).toBe('testnet ••••••••WXYZ');
    await engine.startLive(confirmation);
    expect(api.callsOf('engine.start')).toEqual([
      {
        mode: 'live',
        environment: 'testnet',
        confirmLive: { account: 'testnet ••••••••WXYZ', atStakeAmount: '999.00' },
      },
    ]);
    expect(engine.liveConfirmation).toBeNull();
  });

  it('emergency stop sends the confirmation; a refusal is shown', async () => {
    api.handle('engine.emergencyStop', () => new Failure('ledger is locked'));
    const engine = useEngineStore();
    const notify = useNotificationsStore();
    expect(await engine.emergencyStop()).toBe(false);
    expect(api.callsOf('engine.emergencyStop')).toEqual([{ confirm: true }]);
    expect(engine.error).toBe('ledger is locked');
    expect(notify.toasts.at(-1)).toMatchObject({ kind: 'error', text: 'Emergency stop failed: ledger is locked' });
  });
});

describe('allocations store', () => {
  it('splits the account into reservations and the available part, live', async () => {
    const allocations = useAllocationsStore();
    await allocations.refresh();
    expect(allocations.segments).toEqual([
      { key: '(available)', symbol: null, state: 'available', amount: '1000.00', percent: 100 },
    ]);
    api.emit(
      'allocations.changed',
      allocation({
        totalReserved: '666.00',
        availableBalance: '334.00',
        allocationPercentage: 66.6,
        reservations: [
          {
            symbol: 'BTCUSDT',
            reservedAmount: '333.00',
            timestamp: T0,
            orderId: '1',
            state: 'protected',
            allocationPercent: 33.3,
          },
          {
            symbol: 'ETHUSDT',
            reservedAmount: '333.00',
            timestamp: T0,
            orderId: '2',
            state: 'buying',
            allocationPercent: 33.3,
          },
        ],
      }),
    );
    expect(allocations.segments.map((s) => [s.symbol, s.state, +s.percent.toFixed(2)])).toEqual([
      ['BTCUSDT', 'protected', 33.3],
      ['ETHUSDT', 'buying', 33.3],
      [null, 'available', 33.4],
    ]);
  });

  it('clears all allocations with the confirmation and reloads', async () => {
    api.handle('allocations.clearAll', () => ({ cleared: 2, withPositions: ['BTCUSDT'] }));
    const allocations = useAllocationsStore();
    expect(await allocations.clearAll()).toBe(true);
    expect(api.callsOf('allocations.clearAll')).toEqual([{ confirm: true }]);
    expect(api.callsOf('allocations.get')).toHaveLength(1);
    expect(useNotificationsStore().toasts.at(-1)?.text).toContain('BTCUSDT still hold a position');
  });
});

describe('params store', () => {
  it('loads the sets and validates them as they are edited', async () => {
    const params = useParamsStore();
    await params.refresh();
    expect(params.drafts.map((d) => d.symbol)).toEqual(['BTCUSDT', 'BNBUSDT', 'ETHUSDT']);
    expect(params.problems).toEqual([]);
    expect(params.allocationSum).toBeCloseTo(99.9);
    expect(params.canSave).toBe(true);
    expect(params.dirty).toBe(false);

    params.setField(0, 'allocationPercent', '50');
    expect(params.overAllocated).toBe(true);
    expect(params.canSave).toBe(false);
    expect(params.problemsAt(null, null)[0]?.message).toMatch(/above 100%/);

    params.setEnabled(2, false); // a disabled set does not count
    expect(params.allocationSum).toBeCloseTo(83.3);
    expect(params.canSave).toBe(true);
    expect(params.dirty).toBe(true);
  });

  it('reports field ranges, duplicates and unknown symbols where they are', async () => {
    const params = useParamsStore();
    await params.refresh();
    params.setField(0, 'stopLossPercent', '100');
    params.setField(1, 'symbol', 'btcusdt'); // typed in lower case: upper-cased
    params.setField(2, 'symbol', 'DOGEUSDT');
    params.setField(2, 'lookback', 'abc');
    expect(params.problemsAt(0, 'stopLossPercent').map((p) => p.message)).toEqual([
      'stopLossPercent must be less than 100',
    ]);
    expect(params.problemsAt(1, 'symbol').map((p) => p.message)).toEqual([
      'symbol BTCUSDT repeats parameterSets[0]: one parameter set per symbol',
    ]);
    expect(params.problemsAt(2, 'symbol')).toMatchObject([
      { message: 'symbol DOGEUSDT is not traded on the exchange', blocking: true },
    ]);
    expect(params.problemsAt(2, 'lookback').map((p) => p.message)).toEqual(['lookback must be a number']);
    expect(params.canSave).toBe(false);
  });

  it('only warns about symbols missing from a built-in list', async () => {
    api.handle('symbols.list', () => ({ symbols: ['BTCUSDT', 'BNBUSDT', 'ETHUSDT'], source: 'built-in' as const }));
    const params = useParamsStore();
    await params.refresh();
    params.setField(2, 'symbol', 'PEPEUSDT');
    expect(params.problemsAt(2, 'symbol')).toMatchObject([{ blocking: false }]);
    expect(params.canSave).toBe(true);
  });

  it('saves the file format, and shows what the host refused', async () => {
    api.handle('params.save', ({ sets }) =>
      sets.length === 4
        ? {
            saved: false,
            problems: [{ path: 'parameterSets[3].symbol', message: 'no such market' }],
            appliesToNewEntriesOnly: false,
          }
        : { saved: true, problems: [], appliesToNewEntriesOnly: true },
    );
    const params = useParamsStore();
    await params.refresh();
    params.setField(0, 'exitZScore', '-1');
    params.setEnabled(1, false);
    expect(await params.save()).toBe(true);
    expect(api.callsOf('params.save')[0]!.sets).toEqual([
      {
        symbol: 'BTCUSDT',
        allocationPercent: 33.3,
        zScoreThreshold: 5,
        profitPercent: 15,
        stopLossPercent: 2,
        exitZScore: -1,
      },
      {
        symbol: 'BNBUSDT',
        allocationPercent: 33.3,
        zScoreThreshold: 5,
        profitPercent: 15,
        stopLossPercent: 2,
        enabled: false,
      },
      { symbol: 'ETHUSDT', allocationPercent: 33.3, zScoreThreshold: 5, profitPercent: 15, stopLossPercent: 2 },
    ]);
    expect(params.dirty).toBe(false);
    expect(params.lastSave?.appliesToNewEntriesOnly).toBe(true);

    params.addSet();
    params.setField(3, 'symbol', 'SOLUSDT');
    expect(params.drafts[3]!.allocationPercent).toBe('33.4'); // what was left (BNBUSDT is disabled)
    params.setField(3, 'allocationPercent', '0.1');
    expect(await params.save()).toBe(false);
    expect(params.problemsAt(3, 'symbol').map((p) => p.message)).toEqual(['no such market']);
    expect(params.canSave).toBe(false);
    params.setField(3, 'symbol', 'XRPUSDT'); // any edit clears the host's verdict
    expect(params.canSave).toBe(true);
  });

  it('keeps unsaved edits when the connection comes back', async () => {
    const params = useParamsStore();
    await params.refresh();
    params.setField(0, 'profitPercent', '12');
    await params.refresh();
    expect(params.drafts[0]!.profitPercent).toBe('12');
    expect(params.dirty).toBe(true);
    params.revert();
    expect(params.drafts[0]!.profitPercent).toBe('15');
  });

  it('imports a file into the form and exports the form when it has unsaved changes', async () => {
    api.handle('params.import', ({ json }) => {
      try {
        return { sets: (JSON.parse(json) as { parameterSets: unknown[] }).parameterSets, problems: [] };
      } catch {
        return { sets: [], problems: [{ path: '(root)', message: 'not JSON' }] };
      }
    });
    const params = useParamsStore();
    await params.refresh();
    expect(
      await params.importJson(
        '{"parameterSets":[{"symbol":"SOLUSDT","allocationPercent":50,"zScoreThreshold":3,"profitPercent":5,"stopLossPercent":1}]}',
      ),
    ).toBe(true);
    expect(params.drafts.map((d) => d.symbol)).toEqual(['SOLUSDT']);
    expect(params.dirty).toBe(true);
    const file = await params.exportJson();
    expect(JSON.parse(file!.json)).toEqual({
      parameterSets: [
        { symbol: 'SOLUSDT', allocationPercent: 50, zScoreThreshold: 3, profitPercent: 5, stopLossPercent: 1 },
      ],
    });
    expect(await params.importJson('nope')).toBe(false);
    expect(params.drafts.map((d) => d.symbol)).toEqual(['SOLUSDT']);
    expect(params.problems).toMatchObject([{ message: 'import: not JSON', blocking: false }]);
  });
});

describe('log store', () => {
  it('keeps a bounded buffer and filters by text, symbol and level', async () => {
    const log = useLogStore();
    for (let i = 0; i < LOG_CAPACITY + 50; i++) {
      log.append({
        time: T0,
        level: i % 10 === 0 ? 'error' : i % 5 === 0 ? 'warn' : 'info',
        symbol: i % 2 ? 'BTCUSDT' : 'ETHUSDT',
        text: `line ${i}`,
      });
    }
    expect(log.lines).toHaveLength(LOG_CAPACITY);
    expect(log.lines[0]!.text).toBe('line 50');
    log.symbol = 'BTCUSDT';
    expect(log.filtered.every((l) => l.symbol === 'BTCUSDT')).toBe(true);
    log.symbol = '';
    log.level = 'error';
    expect(log.filtered.every((l) => l.level === 'error')).toBe(true);
    log.level = 'warn';
    expect(new Set(log.filtered.map((l) => l.level))).toEqual(new Set(['warn', 'error']));
    log.clearFilters();
    log.text = 'LINE 2049';
    expect(log.filtered.map((l) => l.text)).toEqual(['line 2049']);
  });

  it('appends log.line events', async () => {
    const log = useLogStore();
    api.emit('log.line', {
      time: T0,
      level: 'info',
      symbol: 'BTCUSDT',
      text: '📈 BTCUSDT z-score 29.88 >= 5 (buy signal)',
    });
    expect(log.lines.map((l) => l.text)).toEqual(['📈 BTCUSDT z-score 29.88 >= 5 (buy signal)']);
  });
});

describe('notifications store', () => {
  it('shows desktop notifications for entries, exits and errors when turned on and permitted', async () => {
    const shown: { title: string; body?: string }[] = [];
    class FakeNotification {
      static permission: NotificationPermission = 'default';
      static requestPermission = vi.fn(async () => {
        FakeNotification.permission = 'granted';
        return 'granted' as NotificationPermission;
      });
      constructor(title: string, options?: NotificationOptions) {
        shown.push({ title, body: options?.body });
      }
    }
    vi.stubGlobal('Notification', FakeNotification);
    const notify = useNotificationsStore();
    api.emit('notification', { kind: 'entry', title: 'Bought BTCUSDT', body: '0.00775 @ 42940.6' });
    expect(shown).toEqual([]); // off by default
    expect(await notify.enable()).toBe(true);
    api.emit('notification', { kind: 'exit', title: 'Take profit BTCUSDT', body: 'PnL +$49.04' });
    api.emit('notification', { kind: 'error', title: 'OCO rejected', body: 'ETHUSDT' });
    expect(shown.map((n) => n.title)).toEqual(['Take profit BTCUSDT', 'OCO rejected']);
    // Every one is a toast in the window too (entries, exits, errors), and a line of the feed.
    expect(notify.toasts.map((t) => t.kind)).toEqual(['success', 'info', 'error']);
    expect(notify.recent.map((n) => n.title)).toEqual(['OCO rejected', 'Take profit BTCUSDT', 'Bought BTCUSDT']);
    api.emit('notification', { kind: 'refusal', title: 'No entry in ETHUSDT', body: 'Insufficient funds' });
    expect(shown).toHaveLength(2); // a refusal is a toast, not a desktop notification
    expect(notify.toasts.at(-1)).toMatchObject({ kind: 'warn', text: 'No entry in ETHUSDT: Insufficient funds' });
    notify.disable();
    api.emit('notification', { kind: 'exit', title: 'Stop loss ETHUSDT', body: '' });
    expect(shown).toHaveLength(2);
  });
});

describe('history and keys stores', () => {
  it('reloads the history when a trade closes', async () => {
    const history = useHistoryStore();
    await history.refresh();
    expect(api.callsOf('history.get')).toEqual([{ limit: 1000 }]);
    api.emit('trade.closed', {
      positionId: 1,
      symbol: 'BTCUSDT',
      entryTime: T0,
      exitTime: T0,
      entryPrice: '42940.6',
      exitPrice: '49381.69',
      quantity: '0.00774',
      cost: '332.79',
      proceeds: '381.83',
      fees: '0.38',
      pnl: '49.04',
      pnlPercent: 14.74,
      exitReason: 'take-profit',
    });
    await vi.waitFor(() => expect(api.callsOf('history.get')).toHaveLength(2));
  });

  it('knows which environments have a key, and never keeps the secret', async () => {
    api.handle('keys.set', ({ environment, apiKey }) => ({
      keys: [
        { environment: 'live', configured: false, maskedKey: null, source: null },
        { environment, configured: true, maskedKey: `••••••••${apiKey.slice(-4)}`, source: 'keychain' as const },
      ],
      warnings: ['this key cannot trade spot'],
    }));
    const keys = useKeysStore();
    await keys.refresh();
    expect(keys.hasKey('testnet')).toBe(false);
    expect(await keys.save('testnet', 'abcdefgh1234WXYZ', 'secret-secret-secret')).toBe(true);
    expect(keys.hasKey('testnet')).toBe(true);
    expect(keys.statusOf('testnet').maskedKey).toBe('••••••••WXYZ');
    expect(keys.warnings).toEqual(['this key cannot trade spot']);
    expect(JSON.stringify(keys.$state)).not.toContain('secret-secret');
  });
});

describe('sync', () => {
  it('reloads every store when the connection (re)opens', async () => {
    api.setStatus('connecting');
    startSync();
    expect(api.calls).toHaveLength(0);
    api.setStatus('connected');
    await vi.waitFor(() => expect(api.callsOf('engine.status')).toHaveLength(1));
    const channels = new Set(api.calls.map((c) => c.channel));
    for (const c of [
      'allocations.get',
      'params.get',
      'symbols.list',
      'positions.list',
      'history.get',
      'log.recent',
      'settings.get',
      'keys.status',
    ]) {
      expect(channels.has(c as never)).toBe(true);
    }
    api.setStatus('disconnected');
    api.setStatus('connected');
    await vi.waitFor(() => expect(api.callsOf('engine.status')).toHaveLength(2));
  });
});
