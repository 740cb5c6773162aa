import type { EngineTimings } from '../../electron/core/engine/timings';
import type { OcoPlan } from '../../electron/core/ledger/ledger';
import type { Position } from '../../electron/core/ledger/records';
import { Decimal } from '../../electron/core/money/decimal';
import type { OcoReport, OrderReport } from '../../electron/core/ports/exchange';
import { FlowKit } from './flow-kit';

/**
 * Setup shared by the unit tests of the flow parts on a FlowKit: quick look-ups and retries, the
 * plan of a pending OCO, and the exchange's report of the position's OCO.
 */

/**
 * A FlowKit whose look-ups and retries are quick: one look-up after 5 ms, the outcome unknown after
 * 20 ms, retries after 5 and 10 ms.
 */
export function quickFlowKit(timings: Pick<EngineTimings, 'exitRetryBudgetMs' | 'deferredRetryMs'>): FlowKit {
  return new FlowKit({ lookupDelaysMs: [5], unknownOutcomeWindowMs: 20, retryDelaysMs: [5, 10], ...timings });
}

/** Records a STOP_LOSS (market) OCO on 0.01 BTC (take-profit 42000, stop 39200) as being placed for `p`. */
export function ocoPending(k: FlowKit, p: Position, ids: { list: string; tp: string; sl: string }): Position {
  const plan: OcoPlan = {
    quantity: new Decimal('0.01'),
    takeProfitPrice: new Decimal(42000),
    stopPrice: new Decimal(39200),
    stopType: 'STOP_LOSS',
    listClientOrderId: ids.list,
    takeProfitClientOrderId: ids.tp,
    stopLossClientOrderId: ids.sl,
  };
  return k.ledger.ocoPending(p.id, plan, k.t);
}

/** The exchange's report of the OCO `tr-1o1` (legs `tr-1t1` and `tr-1s1`, both NEW unless `tp` / `sl` say). */
export function ocoReport(
  k: FlowKit,
  tp: Partial<OrderReport>,
  sl: Partial<OrderReport>,
  status: OcoReport['status'] = 'EXECUTING',
): OcoReport {
  return {
    symbol: 'BTCUSDT',
    listClientOrderId: 'tr-1o1',
    orderListId: '1',
    status,
    takeProfit: k.report('tr-1t1', { type: 'LIMIT_MAKER', status: 'NEW', listClientOrderId: 'tr-1o1', ...tp }),
    stopLoss: k.report('tr-1s1', { type: 'STOP_LOSS_LIMIT', status: 'NEW', listClientOrderId: 'tr-1o1', ...sl }),
  };
}
