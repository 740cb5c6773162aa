import type { SymbolRules } from '../money/symbol-rules';
import type { OrderReport } from '../ports/exchange';
import type { LedgerStore } from '../ports/ledger-store';
import { isFinalState, orderStateOf } from './order-states';
import type { ClosedTrade, OrderRecord, StoredFill } from './records';
import { fillKey, type OtherAssetValuer, valueSellFills } from './sell-fills';

/** What booking a late report of a closed position's sale changed. */
export interface LateSaleBooking {
  /** The trade as it now stands (its proceeds, exit price, fees and PnL include the sale's fills). */
  trade: ClosedTrade | undefined;
  order: OrderRecord;
  /** Fills booked now, and the base and quote they came to (0 when the report repeats known fills). */
  fills: number;
  qty: SellQty['qty'];
  credited: SellQty['credited'];
}
type SellQty = ReturnType<typeof valueSellFills>;

const iso = (t: number) => new Date(t).toISOString();

/**
 * Exit sales of positions that closed while the sale's outcome was unknown. A sale whose answer was
 * lost (a timeout, -1007 "execution status unknown", a 5xx) may execute, or show, only later; when
 * the position's coins are gone meanwhile and no look-up finds the sale, the position is closed as
 * sold outside Tranche. Such a sale is kept here, with its closed trade, as a pending order (so a
 * restart loads it again) until the exchange tells what it did: its fills are then booked into the
 * order record and the trade (quantity, exit price, proceeds, fees, PnL), or it is found absent and
 * rejected.
 *
 * The quote balance is NOT credited with such a sale's proceeds: the balance check may have adopted
 * the exchange's balance, which already holds them, while the position was closing. The ledger
 * takes the exchange's balance at the next check instead; until then it counts less than the
 * account holds, which can never over-allocate.
 */
export class ClosedSales {
  private readonly sales = new Map<string, { order: OrderRecord; trade: ClosedTrade | undefined }>();
  private readonly booked = new Set<string>();

  constructor(
    private readonly store: LedgerStore,
    orders: readonly OrderRecord[] = [],
    trades: readonly ClosedTrade[] = [],
    fills: readonly StoredFill[] = [],
  ) {
    for (const order of orders)
      this.sales.set(order.clientOrderId, { order, trade: trades.find((t) => t.positionId === order.positionId) });
    for (const f of fills) if (this.sales.has(f.clientOrderId)) this.booked.add(fillKey(f.clientOrderId, f));
  }

  /** The kept sale of this client id, if any. */
  get(clientOrderId: string): OrderRecord | undefined {
    return this.sales.get(clientOrderId)?.order;
  }

  list(): OrderRecord[] {
    return [...this.sales.values()].map((s) => s.order);
  }

  /**
   * The position closes with this sale's outcome unknown: it is kept (pending, with why). Called in
   * the close's transaction.
   */
  keep(order: OrderRecord, trade: ClosedTrade, why: string, at: string): void {
    const kept: OrderRecord = {
      ...order,
      state: order.state === 'open' ? 'open' : 'pending',
      updatedAt: at,
      error: why,
    };
    this.store.putOrder(kept);
    this.sales.set(kept.clientOrderId, { order: kept, trade });
  }

  /**
   * The exchange told what a kept sale did: the fills not booked yet go into the order record and
   * the trade, in one transaction. A final report ends the keeping.
   */
  book(
    report: OrderReport,
    rules: SymbolRules,
    now: number,
    valueOther: OtherAssetValuer,
  ): LateSaleBooking | undefined {
    const kept = this.sales.get(report.clientOrderId);
    if (!kept) return undefined;
    const at = iso(now);
    const fresh = report.fills.filter((f) => !this.booked.has(fillKey(report.clientOrderId, f)));
    const v = valueSellFills(fresh, rules, valueOther);
    const order: OrderRecord = {
      ...kept.order,
      state: orderStateOf(report.status),
      executedQty: report.executedQty.gt(kept.order.executedQty) ? report.executedQty : kept.order.executedQty,
      cumQuote: report.cumQuote.gt(kept.order.cumQuote) ? report.cumQuote : kept.order.cumQuote,
      ...(report.orderId ? { exchangeOrderId: report.orderId } : {}),
      updatedAt: at,
    };
    const trade = kept.trade && fresh.length > 0 ? withSale(kept.trade, v) : kept.trade;
    this.store.transaction(() => {
      this.store.putOrder(order);
      if (fresh.length > 0) {
        this.store.addFills(fresh.map((f): StoredFill => ({ ...f, clientOrderId: report.clientOrderId, time: at })));
        if (trade) this.store.addTrade(trade);
        this.store.addEvent({
          time: at,
          kind: 'fill',
          symbol: order.symbol,
          message: `sold ${v.qty.toFixed()} for ${v.gross.toFixed()} ${rules.quoteAsset} after the position closed (exit ${report.status}): booked into its trade; the balance follows the exchange's at the next balance check`,
          data: { clientOrderId: report.clientOrderId, qty: v.qty.toFixed(), credited: v.credited.toFixed() },
        });
      }
    });
    for (const f of fresh) this.booked.add(fillKey(report.clientOrderId, f));
    if (isFinalState(order.state)) this.drop(order.clientOrderId);
    else this.sales.set(order.clientOrderId, { order, trade });
    return { trade, order, fills: fresh.length, qty: v.qty, credited: v.credited };
  }

  /** The exchange does not show the sale (looked up for the whole window): it never executed. */
  absent(clientOrderId: string, why: string, now: number): void {
    const kept = this.sales.get(clientOrderId);
    if (!kept) return;
    this.store.putOrder({ ...kept.order, state: 'rejected', updatedAt: iso(now), error: why });
    this.drop(clientOrderId);
  }

  private drop(clientOrderId: string): void {
    this.sales.delete(clientOrderId);
    for (const key of [...this.booked]) if (key.startsWith(`${clientOrderId}\u0000`)) this.booked.delete(key);
  }
}

/** The trade with a sale's fills added: quantity, average exit price, proceeds, fees and PnL. */
function withSale(t: ClosedTrade, v: SellQty): ClosedTrade {
  const quantity = t.quantity.add(v.qty);
  const exitPrice = quantity.isZero() ? t.exitPrice : t.exitPrice.mul(t.quantity).add(v.gross).div(quantity);
  const pnl = t.pnl.add(v.credited).sub(v.otherFee);
  return {
    ...t,
    quantity,
    exitPrice,
    proceeds: t.proceeds.add(v.credited),
    fees: t.fees.add(v.feeQuote),
    pnl,
    pnlPercent: t.cost.isZero() ? 0 : pnl.div(t.cost).mul(100).toDecimalPlaces(4).toNumber(),
  };
}
