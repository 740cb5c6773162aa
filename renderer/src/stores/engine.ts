import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { EngineStateDto, LiveConfirmationDto } from '../../../shared/ipc/contract';
import { useApi } from '../api';
import { useNotificationsStore } from './notifications';

type Busy = null | 'start' | 'stop' | 'emergency' | 'confirmation';

/** The engine: its state and health (pushed by `engine.state`), and the commands that steer it. */
export const useEngineStore = defineStore('engine', () => {
  const api = useApi();
  const notify = useNotificationsStore();
  const state = ref<EngineStateDto | null>(null);
  const busy = ref<Busy>(null);
  const error = ref<string | null>(null);
  /** What engine.liveConfirmation said: shown in the confirmation dialog before a live start. */
  const liveConfirmation = ref<LiveConfirmationDto | null>(null);

  api.on('engine.state', (s) => {
    state.value = s;
  });

  const status = computed(() => state.value?.state ?? 'stopped');
  /** An engine is up (or on its way up or down): starting again is not possible. */
  const active = computed(() => ['starting', 'running', 'stopping'].includes(status.value));
  const running = computed(() => status.value === 'running');
  const canStart = computed(() => state.value !== null && !active.value && busy.value === null);
  const canStop = computed(() => (status.value === 'running' || status.value === 'starting') && busy.value === null);

  async function refresh(): Promise<void> {
    const r = await api.request('engine.status', {});
    if (r.ok) state.value = r.data;
    else error.value = r.error.message;
  }

  async function run(kind: Exclude<Busy, null>, fn: () => Promise<boolean>): Promise<boolean> {
    busy.value = kind;
    error.value = null;
    try {
      return await fn();
    } finally {
      busy.value = null;
    }
  }

  function fail(what: string, message: string): false {
    error.value = message;
    notify.toast(`${what}: ${message}`, 'error');
    return false;
  }

  /** Paper trading; market is 'binance' (live prices) or 'replay:DIR'. */
  function startPaper(market = 'binance'): Promise<boolean> {
    return run('start', async () => {
      const r = await api.request('engine.start', { mode: 'paper', market });
      if (!r.ok) return fail('Start paper failed', r.error.message);
      state.value = r.data;
      notify.toast('Paper trading started', 'success');
      return true;
    });
  }

  /** Step one of a live start: what the host says is at stake (the dialog shows it). */
  function prepareLive(environment: string): Promise<boolean> {
    liveConfirmation.value = null;
    return run('confirmation', async () => {
      const r = await api.request('engine.liveConfirmation', { environment });
      if (!r.ok) return fail('Cannot start live', r.error.message);
      liveConfirmation.value = r.data;
      return true;
    });
  }

  /** Step two: the trader confirmed this account and amount. */
  function startLive(confirmation: LiveConfirmationDto): Promise<boolean> {
    return run('start', async () => {
      const r = await api.request('engine.start', {
        mode: 'live',
        environment: confirmation.environment,
        confirmLive: { account: confirmation.account, atStakeAmount: confirmation.atStakeAmount },
      });
      liveConfirmation.value = null;
      if (!r.ok) return fail('Start live failed', r.error.message);
      state.value = r.data;
      notify.toast(`Live trading started on ${confirmation.environment}`, 'success');
      return true;
    });
  }

  function cancelLive(): void {
    liveConfirmation.value = null;
  }

  function stop(): Promise<boolean> {
    return run('stop', async () => {
      const r = await api.request('engine.stop', {});
      if (!r.ok) return fail('Stop failed', r.error.message);
      state.value = r.data;
      notify.toast('Stopping: no new entries; open positions stay protected by their OCOs', 'info');
      return true;
    });
  }

  function emergencyStop(): Promise<boolean> {
    return run('emergency', async () => {
      const r = await api.request('engine.emergencyStop', { confirm: true });
      if (!r.ok) return fail('Emergency stop failed', r.error.message);
      state.value = r.data;
      notify.toast('Emergency stop: OCOs cancelled, positions sold at market, reservations cleared', 'warn');
      return true;
    });
  }

  return {
    state,
    busy,
    error,
    liveConfirmation,
    status,
    active,
    running,
    canStart,
    canStop,
    refresh,
    startPaper,
    prepareLive,
    startLive,
    cancelLive,
    stop,
    emergencyStop,
  };
});
