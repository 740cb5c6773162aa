/// <reference lib="dom" />
/**
 * An in-memory TrancheApi for the renderer's tests: handlers per channel, every input and output
 * checked against the contract's schemas (so the stores' calls and the test data both follow it),
 * events pushed with emit(), the connection steered with setStatus().
 */
import { idleHealth } from '../../electron/host/health';
import type { z } from 'zod';
import {
  events,
  requests,
  type AllocationDto,
  type EngineStateDto,
  type EventChannel,
  type EventPayload,
  type RequestChannel,
  type RequestInput,
  type RequestOutput,
  type Result,
} from '../../shared/ipc/contract';
import type { ConnectedApi, ConnectionInfo, ConnectionStatus } from '../../renderer/src/api/types';

export class Failure {
  constructor(readonly message: string) {}
}

type Handler<C extends RequestChannel> = (
  input: RequestInput<C>,
) => RequestOutput<C> | Failure | Promise<RequestOutput<C> | Failure>;

export class FakeApi implements ConnectedApi {
  readonly calls: { channel: RequestChannel; input: unknown }[] = [];
  private readonly handlers = new Map<RequestChannel, Handler<RequestChannel>>();
  private readonly listeners = new Map<string, Set<(data: unknown) => void>>();
  private readonly connectionListeners = new Set<(info: ConnectionInfo) => void>();
  private info: ConnectionInfo = {
    status: 'connected',
    transport: 'websocket',
    attempt: 0,
    retryAt: null,
    detail: null,
  };

  handle<C extends RequestChannel>(channel: C, handler: Handler<C>): this {
    this.handlers.set(channel, handler as unknown as Handler<RequestChannel>);
    return this;
  }

  callsOf<C extends RequestChannel>(channel: C): RequestInput<C>[] {
    return this.calls.filter((c) => c.channel === channel).map((c) => c.input as RequestInput<C>);
  }

  async request<C extends RequestChannel>(channel: C, input: RequestInput<C>): Promise<Result<RequestOutput<C>>> {
    this.calls.push({ channel, input });
    const inputCheck = (requests[channel].input as z.ZodType).safeParse(input);
    if (!inputCheck.success)
      throw new Error(`${channel}: the store sent an input the contract refuses: ${inputCheck.error.message}`);
    if (this.info.status !== 'connected')
      return { ok: false, error: { code: 'failed', message: 'Not connected to the Tranche host' } };
    const handler = this.handlers.get(channel);
    if (!handler) return { ok: false, error: { code: 'unknown-channel', message: `no fake for ${channel}` } };
    const out = await handler(input as never);
    if (out instanceof Failure) return { ok: false, error: { code: 'failed', message: out.message } };
    const outputCheck = (requests[channel].output as z.ZodType).safeParse(out);
    if (!outputCheck.success)
      throw new Error(`${channel}: the fake answered outside the contract: ${outputCheck.error.message}`);
    return { ok: true, data: out as RequestOutput<C> };
  }

  on<C extends EventChannel>(channel: C, listener: (data: EventPayload<C>) => void): () => void {
    let set = this.listeners.get(channel);
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(listener as (data: unknown) => void);
    return () => set.delete(listener as (data: unknown) => void);
  }

  emit<C extends EventChannel>(channel: C, data: EventPayload<C>): void {
    const check = (events[channel] as z.ZodType).safeParse(data);
    if (!check.success) throw new Error(`event ${channel} outside the contract: ${check.error.message}`);
    for (const l of [...(this.listeners.get(channel) ?? [])]) l(data);
  }

  listenerCount(channel: EventChannel): number {
    return this.listeners.get(channel)?.size ?? 0;
  }

  connection(): ConnectionInfo {
    return this.info;
  }

  onConnection(listener: (info: ConnectionInfo) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  setStatus(status: ConnectionStatus): void {
    this.info = { ...this.info, status };
    for (const l of [...this.connectionListeners]) l(this.info);
  }

  reconnectNow(): void {}
  close(): void {}
}

export const T0 = '2024-01-15T02:34:00.000Z';

export function engineState(patch: Partial<EngineStateDto> = {}): EngineStateDto {
  return {
    state: 'stopped',
    mode: null,
    environment: null,
    market: null,
    ledgerFile: null,
    startedAt: null,
    halted: false,
    emergencyStopPending: false,
    error: null,
    health: idleHealth(),
    viewing: null,
    ...patch,
  };
}

export function allocation(patch: Partial<AllocationDto> = {}): AllocationDto {
  return {
    quoteAsset: 'USDT',
    totalBalance: '1000.00',
    totalReserved: '0.00',
    availableBalance: '1000.00',
    allocationPercentage: 0,
    reservations: [],
    ...patch,
  };
}

/** The seed's three sets. */
const SEED_SETS = [
  { symbol: 'BTCUSDT', allocationPercent: 33.3, zScoreThreshold: 5, profitPercent: 15, stopLossPercent: 2 },
  { symbol: 'BNBUSDT', allocationPercent: 33.3, zScoreThreshold: 5, profitPercent: 15, stopLossPercent: 2 },
  { symbol: 'ETHUSDT', allocationPercent: 33.3, zScoreThreshold: 5, profitPercent: 15, stopLossPercent: 2 },
];

const KNOWN_SYMBOLS = ['BTCUSDT', 'BNBUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT'];

/** A fake with the channels most tests need: a stopped engine, the seed's sets, an empty account. */
export function seededApi(): FakeApi {
  return new FakeApi()
    .handle('engine.status', () => engineState())
    .handle('allocations.get', () => allocation())
    .handle('params.get', () => ({ sets: SEED_SETS.map((s) => ({ ...s })) }))
    .handle('symbols.list', () => ({ symbols: KNOWN_SYMBOLS, source: 'exchange' as const }))
    .handle('positions.list', () => [])
    .handle('history.get', () => ({
      trades: [],
      totals: { trades: 0, wins: 0, losses: 0, pnl: '0', fees: '0' },
      equity: [],
    }))
    .handle('log.recent', () => [])
    .handle('settings.get', () => ({
      paperBalance: '1000',
      feeRate: '0.001',
      slippageBps: 5,
      stopGraceSeconds: 10,
      dataDir: '/home/u/.config/Tranche',
    }))
    .handle('keys.status', () => [
      { environment: 'live', configured: false, maskedKey: null, source: null },
      { environment: 'testnet', configured: false, maskedKey: null, source: null },
    ]);
}
