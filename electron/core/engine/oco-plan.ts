import { Decimal } from '../money/decimal';
import {
  floorToStep,
  lotProblem,
  notionalProblem,
  priceProblem,
  roundToTick,
  type SymbolRules,
} from '../money/symbol-rules';
import type { OcoPlan } from '../ledger/ledger';
import type { Position } from '../ledger/records';
import { ocoIds } from './client-ids';

/**
 * The protective OCO for what a position still holds, from its average entry price:
 *   take-profit (LIMIT_MAKER)    = avg x (1 + profitPercent / 100), rounded UP to the tick
 *   stop trigger                 = avg x (1 - stopLossPercent / 100), rounded DOWN to the tick
 *   stop-limit (STOP_LOSS_LIMIT) = stop x (1 - stopLimitOffsetPercent / 100), rounded DOWN
 *   (or a STOP_LOSS stop-market leg when the set's stopOrderType is 'market': no limit price)
 * Rounding away from the entry means the trader never gets a tighter target or a looser stop
 * than a tick beyond what was asked. The quantity is what the position still holds, floored to the
 * lot step. Each leg must pass PRICE_FILTER, LOT_SIZE and the minimum notional.
 */
export function planOco(
  position: Position,
  quantityHeld: Decimal,
  rules: SymbolRules,
  prefix: string,
  ledgerId: string,
): { ok: true; plan: OcoPlan } | { ok: false; problem: string } {
  const { params, avgPrice } = position;
  const one = new Decimal(1);
  const quantity = floorToStep(quantityHeld, rules.stepSize);
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
  const market = params.stopOrderType === 'market';
  const stopLimitPrice = market
    ? undefined
    : roundToTick(stopPrice.mul(one.sub(new Decimal(params.stopLimitOffsetPercent).div(100))), rules.tickSize, 'down');
  const worstPrice = stopLimitPrice ?? stopPrice;
  const problem =
    lotProblem(quantity, rules) ??
    priceProblem(takeProfitPrice, rules) ??
    priceProblem(stopPrice, rules) ??
    (stopLimitPrice ? priceProblem(stopLimitPrice, rules) : undefined) ??
    notionalProblem(takeProfitPrice, quantity, rules) ??
    notionalProblem(worstPrice, quantity, rules);
  if (problem) return { ok: false, problem };
  const ids = ocoIds(prefix, ledgerId, position.id, position.ocoAttempts + 1);
  return {
    ok: true,
    plan: {
      quantity,
      takeProfitPrice,
      stopPrice,
      stopType: market ? 'STOP_LOSS' : 'STOP_LOSS_LIMIT',
      ...(stopLimitPrice ? { stopLimitPrice } : {}),
      listClientOrderId: ids.list,
      takeProfitClientOrderId: ids.takeProfit,
      stopLossClientOrderId: ids.stopLoss,
    },
  };
}
