import type { OrderStatus } from '../ports/exchange';
import type { OrderState } from './records';

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
