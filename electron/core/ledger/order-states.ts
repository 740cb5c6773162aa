import type { OrderStatus } from '../ports/exchange';
import type { OrderRecord, OrderState } from './records';

/** Our record's state for an exchange order status. */
export function orderStateOf(status: OrderStatus): OrderState {
  switch (status) {
    case 'NEW':
    case 'PARTIALLY_FILLED':
    case 'PENDING_CANCEL':
      return 'open';
    case 'FILLED':
      return 'filled';
    case 'CANCELED':
      return 'canceled';
    case 'REJECTED':
      return 'rejected';
    case 'EXPIRED':
    case 'EXPIRED_IN_MATCH':
      return 'expired';
  }
}

/**
 * How far an order has come: pending (recorded) < open (working) < final. Reports can arrive out
 * of order; a state is only replaced by one at least as far along, so a late NEW never reopens a
 * filled order.
 */
export function stateRank(state: OrderState): number {
  return state === 'pending' ? 0 : state === 'open' ? 1 : 2;
}

export function isFinalState(state: OrderState): boolean {
  return stateRank(state) === 2;
}

/**
 * How a sale is recorded when its answer was lost and the look-ups never found it: taken as never
 * executed, although Binance says it may still execute (-1007). Recorded in the order's error, so a
 * restart still tells it from a sale the exchange refused outright.
 */
export const NOT_FOUND_AFTER = 'not found after';

/** A sale taken as never executed after its look-ups (it may still execute late). */
export function takenAsUnsent(o: OrderRecord): boolean {
  return o.state === 'rejected' && (o.error?.startsWith(NOT_FOUND_AFTER) ?? false);
}
