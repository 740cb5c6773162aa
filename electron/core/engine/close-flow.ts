/**
 * Closing a position when its sells are complete (or its coins are gone), and telling what that
 * changes: the funds released and the balance.
 */
import { takenAsUnsent } from '../ledger/order-states';
import type { ExitReason, Position } from '../ledger/records';
import type { Decimal } from '../money/decimal';
import { isSellLeg, isWorking } from './flow-context';
import { FlowPart } from './flow-state';
import { tooSmallToSell } from './sell-sizes';

export class CloseFlow extends FlowPart {
  /**
   * Closes the position when it is done: nothing sellable left and no order of it working. Returns
   * true when it closed (or was already gone).
   */
  closeIfDone(p: Position): boolean {
    const cur = this.current(p);
    if (!cur) return true;
    if (cur.status === 'opening') return false;
    const orders = this.ledger.ordersOf(cur.id);
    const filledLists = new Set(
      orders.filter((o) => isSellLeg(o) && o.state === 'filled').map((o) => o.listClientOrderId),
    );
    const blocking = orders.filter(
      (o) =>
        isWorking(o) &&
        // an exit recorded but never sent does not block; a leg whose sibling filled is expired by the OCO rule
        (o.purpose !== 'exit' || o.state === 'open') &&
        !(isSellLeg(o) && filledLists.has(o.listClientOrderId)),
    );
    if (blocking.length > 0) return false;
    const rules = this.x.rulesFor(cur.symbol);
    if (!tooSmallToSell(this.ledger.remainingQty(cur), rules, this.lastFillPrice(cur))) return false;
    if (cur.soldQty.isZero()) return false; // nothing sold: something else is wrong, never close silently
    this.closeLocked(cur, this.closingReason(cur));
    return true;
  }

  /** Why a position whose sells are complete closed: the leg that sold last, or the exit's reason. */
  closingReason(p: Position, fallback?: ExitReason): ExitReason {
    const sells = this.ledger
      .ordersOf(p.id)
      .filter((o) => o.purpose !== 'entry' && o.executedQty.gt(0))
      .sort((a, b) => (a.updatedAt < b.updatedAt ? -1 : a.updatedAt > b.updatedAt ? 1 : 0));
    const last = sells.at(-1);
    if (last?.purpose === 'take-profit') return 'take-profit';
    if (last?.purpose === 'stop-loss') return 'stop-loss';
    return fallback ?? p.exitReason ?? 'external';
  }

  closeLocked(p: Position, reason: ExitReason): void {
    const cur = this.current(p);
    if (!cur) return;
    this.s.protection.delete(cur.symbol);
    this.s.due.delete(cur.symbol);
    const orderIds = this.ledger.ordersOf(cur.id).map((o) => o.clientOrderId);
    // Sales that may have executed unseen (sent, their answer lost): kept and looked up after the close.
    const unsettled = new Set(
      this.ledger
        .ordersOf(cur.id)
        .filter((o) => (o.state === 'pending' && this.s.maybeSent.has(o.clientOrderId)) || takenAsUnsent(o))
        .map((o) => o.clientOrderId),
    );
    const { trade, released } = this.ledger.positionClosed(cur.id, reason, this.now(), unsettled);
    this.s.forget(cur, orderIds);
    if (this.ledger.closedSales().some((o) => o.positionId === cur.id)) this.f.followClosedSales();
    this.x.tell({
      type: 'position-closed',
      symbol: cur.symbol,
      reason,
      quantity: trade.quantity.toFixed(),
      exitPrice: trade.exitPrice.toFixed(),
      pnl: trade.pnl.toFixed(),
      pnlPercent: trade.pnlPercent,
      quoteAsset: this.ledger.quoteAsset,
    });
    this.tellReleased(cur.symbol, released, reason);
    this.tellBalance();
  }

  tellReleased(symbol: string, amount: Decimal, reason: ExitReason | 'orphan'): void {
    this.x.tell({
      type: 'released',
      symbol,
      amount: amount.toFixed(),
      reason,
      totalReserved: this.ledger.totalReserved().toFixed(),
      totalBalance: this.ledger.totalBalance().toFixed(),
      quoteAsset: this.ledger.quoteAsset,
    });
  }

  private lastToldTotal: string | undefined;

  tellBalance(always = false): void {
    const total = this.ledger.totalBalance().toFixed();
    if (total === this.lastToldTotal && !always) return; // said already
    this.lastToldTotal = total;
    this.x.tell({
      type: 'balance',
      quoteAsset: this.ledger.quoteAsset,
      quoteBalance: this.ledger.balance.toFixed(),
      totalBalance: total,
    });
  }
}
