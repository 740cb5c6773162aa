import path from 'node:path';
import type { EngineEvent } from '../../electron/core/engine/engine-events';
import type { FlowContext, Flows } from '../../electron/core/engine/flow-context';
import { FlowState } from '../../electron/core/engine/flow-state';
import { ReportMailbox } from '../../electron/core/engine/report-mailbox';
import { SymbolLocks } from '../../electron/core/engine/symbol-locks';
import { DEFAULT_TIMINGS, type EngineTimings } from '../../electron/core/engine/timings';
import { Ledger } from '../../electron/core/ledger/ledger';
import type { Position } from '../../electron/core/ledger/records';
import { Decimal } from '../../electron/core/money/decimal';
import type { SymbolRules } from '../../electron/core/money/symbol-rules';
import type { Exchange, OrderReport } from '../../electron/core/ports/exchange';
import { openLedgerDatabase, type LedgerDatabase } from '../../electron/store/database';
import { SqliteLedgerStore } from '../../electron/store/sqlite-ledger-store';
import { sets } from './paper-harness';
import { usdtRules } from './rules';
import { tempDir } from './temp';

/** A call one part of the flows made into another (through Flows). */
export interface FlowCall {
  step: keyof Flows;
  args: unknown[];
}

/**
 * One part of a position's flows on its own: a real ledger on SQLite, the shared FlowState, a
 * context whose exchange answers only what a test gives it, and the other parts (Flows) as
 * recorders whose answers a test may set. For unit tests of the flow parts (due-work, close-flow,
 * ...) that the integration tests reach without asserting their details.
 */
export class FlowKit {
  readonly tmp = tempDir();
  readonly db: LedgerDatabase;
  readonly store: SqliteLedgerStore;
  readonly ledger: Ledger;
  readonly told: EngineEvent[] = [];
  readonly calls: FlowCall[] = [];
  readonly rechecks: string[] = [];
  readonly tracked: Promise<void>[] = [];
  readonly stopping = new AbortController();
  readonly state: FlowState;
  readonly flows: Flows;
  t = Date.parse('2026-12-02T10:00:00Z');
  balanceChecks = 0;
  /** What the exchange does; a method a test did not give throws "not scripted". */
  exchange: Partial<Exchange> = {};
  /** Answers of the other parts, by step (default: undefined, or what the step's type needs). */
  answers: Partial<Record<keyof Flows, (...args: never[]) => unknown>> = {};
  /** The symbols' rules (a test may make a symbol's rules unknown by throwing). */
  rulesFor: (symbol: string) => SymbolRules = (symbol) => usdtRules(symbol);

  constructor(timings: Partial<EngineTimings> = {}) {
    this.db = openLedgerDatabase(path.join(this.tmp.dir, 'ledger.sqlite'), { mode: 'live', environment: 'testnet' });
    this.store = new SqliteLedgerStore(this.db);
    this.ledger = new Ledger(this.store, 'USDT');
    this.ledger.setQuoteBalance(new Decimal(1000), this.t);
    const exchange = new Proxy({} as Exchange, {
      get: (_target, key: string) => {
        if (key === 'clientOrderIdPrefix') return 'tr-';
        const m = (this.exchange as Record<string, unknown>)[key];
        if (typeof m === 'function') return m;
        return () => Promise.reject(new Error(`exchange.${key} not scripted`));
      },
    });
    const x: FlowContext = {
      ledger: this.ledger,
      exchange,
      clock: { now: () => this.t },
      timings: { ...DEFAULT_TIMINGS, ...timings },
      locks: new SymbolLocks(),
      mailbox: new ReportMailbox(),
      stopping: this.stopping.signal,
      tell: (e) => this.told.push(e),
      rulesFor: (symbol) => this.rulesFor(symbol),
      valueOther: () => new Decimal(0),
      track: (_symbol, work) => {
        const p = work();
        this.tracked.push(p);
        return p;
      },
      background: (_symbol, work) => {
        this.tracked.push(work());
      },
      checkBalanceSoon: () => {
        this.balanceChecks++;
      },
      recheckLocked: async (symbol) => {
        this.rechecks.push(symbol);
      },
      halted: () => false,
      setFor: () => undefined,
      lastPrice: () => NaN,
      marketOpen: async () => true,
    };
    this.state = new FlowState(x);
    const record =
      (step: keyof Flows) =>
      (...args: unknown[]): never => {
        this.calls.push({ step, args });
        const answer = this.answers[step] as ((...a: unknown[]) => unknown) | undefined;
        return answer?.(...args) as never;
      };
    this.flows = new Proxy({} as Flows, { get: (_t, step: string) => record(step as keyof Flows) });
  }

  /** A client order id of this ledger as the engine makes them (`tr-<ledger id>-<suffix>`). */
  id(suffix: string): string {
    return `tr-${this.ledger.ledgerId}-${suffix}`;
  }

  /** Waits for the work tick() and the flows started. */
  async settle(): Promise<void> {
    while (this.tracked.length > 0) await Promise.all(this.tracked.splice(0));
  }

  /** The steps called into the other parts, in order. */
  steps(): string[] {
    return this.calls.map((c) => c.step);
  }

  /** A BTCUSDT position bought at 40000 (0.01 BTC for 400 USDT), not protected yet (status 'open'). */
  position(): Position {
    const [set] = sets([
      { symbol: 'BTCUSDT', allocationPercent: 40, zScoreThreshold: 2, profitPercent: 5, stopLossPercent: 2 },
    ]);
    const r = this.ledger.reserve(set!, usdtRules('BTCUSDT'), (id) => `tr-${id}b`, this.t);
    if (!r.ok) throw new Error(r.detail);
    const filled: OrderReport = {
      symbol: 'BTCUSDT',
      clientOrderId: r.position.entryClientOrderId,
      orderId: '1',
      side: 'BUY',
      type: 'MARKET',
      status: 'FILLED',
      origQty: new Decimal('0.01'),
      executedQty: new Decimal('0.01'),
      cumQuote: new Decimal(400),
      fills: [
        {
          price: new Decimal(40000),
          qty: new Decimal('0.01'),
          commission: new Decimal(0),
          commissionAsset: 'BNB',
          tradeId: '1',
        },
      ],
      time: this.t,
    };
    return this.ledger.entryFilled(r.position.id, filled, usdtRules('BTCUSDT'), this.t).position;
  }

  /** Places an OCO (attempt n) on the position as the exchange accepted it: take-profit 42000, stop 39200 limit 39100. */
  protect(p: Position, attempt = 1): Position {
    const ids = { list: `tr-${p.id}o${attempt}`, tp: `tr-${p.id}t${attempt}`, sl: `tr-${p.id}s${attempt}` };
    this.ledger.ocoPending(
      p.id,
      {
        quantity: p.sellQty,
        takeProfitPrice: new Decimal(42000),
        stopPrice: new Decimal(39200),
        stopType: 'STOP_LOSS_LIMIT',
        stopLimitPrice: new Decimal(39100),
        listClientOrderId: ids.list,
        takeProfitClientOrderId: ids.tp,
        stopLossClientOrderId: ids.sl,
      },
      this.t,
    );
    const leg = (clientOrderId: string, type: OrderReport['type']): OrderReport =>
      this.report(clientOrderId, { status: 'NEW', type, origQty: p.sellQty, listClientOrderId: ids.list });
    return this.ledger.ocoPlaced(
      p.id,
      {
        symbol: p.symbol,
        listClientOrderId: ids.list,
        orderListId: String(attempt),
        status: 'EXECUTING',
        takeProfit: leg(ids.tp, 'LIMIT_MAKER'),
        stopLoss: leg(ids.sl, 'STOP_LOSS_LIMIT'),
      },
      this.t,
    );
  }

  /** A SELL report of one of our orders (nothing filled unless `over` says). */
  report(clientOrderId: string, over: Partial<OrderReport> = {}): OrderReport {
    return {
      symbol: 'BTCUSDT',
      clientOrderId,
      orderId: clientOrderId,
      side: 'SELL',
      type: 'MARKET',
      status: 'FILLED',
      origQty: new Decimal('0.01'),
      executedQty: new Decimal(0),
      cumQuote: new Decimal(0),
      fills: [],
      time: this.t,
      ...over,
    };
  }

  /** Books a sale of `qty` at `price` (one fill, commission in BNB) by the order `clientOrderId`. */
  sold(clientOrderId: string, qty: string, price: number, status: OrderReport['status'] = 'FILLED'): Position {
    const p = this.ledger.position('BTCUSDT')!;
    const q = new Decimal(qty);
    this.ledger.sellFilled(
      p.id,
      this.report(clientOrderId, {
        status,
        executedQty: q,
        cumQuote: q.mul(price),
        fills: [
          {
            price: new Decimal(price),
            qty: q,
            commission: new Decimal(0),
            commissionAsset: 'BNB',
            tradeId: `${clientOrderId}-${qty}`,
          },
        ],
      }),
      usdtRules('BTCUSDT'),
      this.t,
    );
    return this.ledger.position('BTCUSDT') ?? p;
  }

  close(): void {
    this.stopping.abort();
    if (this.db.isOpen) this.db.close();
    this.tmp.cleanup();
  }
}
