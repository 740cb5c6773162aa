import { Decimal } from '../money/decimal';
import { notionalProblem, priceProblem, roundToTick, type SymbolRules } from '../money/symbol-rules';
import type { OcoPlan } from '../ledger/ledger';
import type { Position } from '../ledger/records';
import { ocoIds } from './client-ids';

/**
 * The protective OCO for a position, from its average entry price:
 *   take-profit (LIMIT_MAKER)   = avg x (1 + profitPercent / 100), rounded UP to the tick
 *   stop trigger                = avg x (1 - stopLossPercent / 100), rounded DOWN to the tick
 *   stop-limit (STOP_LOSS_LIMIT) = stop x (1 - stopLimitOffsetPercent / 100), rounded DOWN
 * Rounding away from the entry means the trader never gets a tighter target or a looser stop
 * than a tick beyond what was asked. Each leg must pass PRICE_FILTER and the minimum notional.
 */
export function planOco(
  position: Position,
  rules: SymbolRules,
  prefix: string,
  ledgerId: string,
): { ok: true; plan: OcoPlan } | { ok: false; problem: string } {
  const { params, avgPrice, sellQty } = position;
  const one = new Decimal(1);
  const takeProfitPrice = roundToTick(
    avgPrice.mul(one.add(new Decimal(params.profitPercent).div(100))),
    rules.tickSize,
    'up',
  );
  const stopPrice = roundToTick(
    avgPrice.mul(one.sub(new Decimal(params.stopLossPercent).div(100))),
    rules.tickSize,
    'down',
  );
  const stopLimitPrice = roundToTick(
    stopPrice.mul(one.sub(new Decimal(params.stopLimitOffsetPercent).div(100))),
    rules.tickSize,
    'down',
  );
  const problem =
    priceProblem(takeProfitPrice, rules) ??
    priceProblem(stopPrice, rules) ??
    priceProblem(stopLimitPrice, rules) ??
    notionalProblem(takeProfitPrice, sellQty, rules) ??
    notionalProblem(stopLimitPrice, sellQty, rules);
  if (problem) return { ok: false, problem };
  const ids = ocoIds(prefix, ledgerId, position.id, position.ocoAttempts + 1);
  return {
    ok: true,
    plan: {
      quantity: sellQty,
      takeProfitPrice,
      stopPrice,
      stopLimitPrice,
      listClientOrderId: ids.list,
      takeProfitClientOrderId: ids.takeProfit,
      stopLossClientOrderId: ids.stopLoss,
    },
  };
}
