import { ZERO } from '../money/decimal';
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
  /** The report says more executed than its fills detail: kept (not final) until a look-up gives them all. */
  undetailed: boolean;
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
  private readonly sales = new Map<string, OrderRecord>();
  /** The closed trade of each position with a kept sale: one per position, whichever of its sales books. */
  private readonly trades = new Map<number, ClosedTrade>();
  private readonly booked = new Set<string>();
  /** Sales settled lately (final): a report of one again is recognised, and books nothing. */
  private readonly settled = new Set<string>();

  constructor(
    private readonly store: LedgerStore,
    orders: readonly OrderRecord[] = [],
    trades: readonly ClosedTrade[] = [],
    fills: readonly StoredFill[] = [],
  ) {
    for (const order of orders) this.sales.set(order.clientOrderId, order);
    for (const t of trades) this.trades.set(t.positionId, t);
    for (const f of fills) if (this.sales.has(f.clientOrderId)) this.booked.add(fillKey(f.clientOrderId, f));
  }

  /** The record a sale kept at a close is written as (pending, or still working, with why). */
  static kept(order: OrderRecord, why: string, at: string): OrderRecord {
    const error = order.error ? `${why} (${order.error})` : why;
    return { ...order, state: order.state === 'open' ? 'open' : 'pending', updatedAt: at, error };
  }

  /** The kept sale of this client id, if any. */
  get(clientOrderId: string): OrderRecord | undefined {
    return this.sales.get(clientOrderId);
  }

  /** Whether this sale was kept and has settled since (its report again books nothing). */
  wasSettled(clientOrderId: string): boolean {
    return this.settled.has(clientOrderId);
  }

  list(): OrderRecord[] {
    return [...this.sales.values()];
  }

  /** Remembers the sales a close kept (written by it as `kept` gives them), once its transaction is written. */
  remember(kept: readonly OrderRecord[], trade: ClosedTrade): void {
    if (kept.length === 0) return;
    for (const o of kept) this.sales.set(o.clientOrderId, o);
    this.trades.set(trade.positionId, trade);
  }

  /**
   * The exchange told what a kept sale did: the fills not booked yet go into the order record and
   * the trade, in one transaction. A final report with every fill detailed ends the keeping.
   */
  book(
    report: OrderReport,
    assets: Pick<SymbolRules, 'baseAsset' | 'quoteAsset'>,
    now: number,
    valueOther: OtherAssetValuer,
  ): LateSaleBooking | undefined {
    const kept = this.sales.get(report.clientOrderId);
    if (!kept) return undefined;
    const at = iso(now);
    const fresh = report.fills.filter((f) => !this.booked.has(fillKey(report.clientOrderId, f)));
    const v = valueSellFills(fresh, assets, valueOther);
    const detailed = report.fills.reduce((a, f) => a.add(f.qty), ZERO);
    const undetailed = report.executedQty.gt(detailed);
    const state = orderStateOf(report.status);
    const order: OrderRecord = {
      ...kept,
      // Final only once every fill is known: a report short of its fills is looked up again.
      state: undetailed && isFinalState(state) ? 'open' : state,
      executedQty: report.executedQty.gt(kept.executedQty) ? report.executedQty : kept.executedQty,
      cumQuote: report.cumQuote.gt(kept.cumQuote) ? report.cumQuote : kept.cumQuote,
      ...(report.orderId ? { exchangeOrderId: report.orderId } : {}),
      updatedAt: at,
    };
    const before = this.trades.get(kept.positionId);
    const trade = before && fresh.length > 0 ? withSale(before, v) : before;
    this.store.transaction(() => {
      this.store.putOrder(order);
      if (fresh.length > 0) {
        this.store.addFills(fresh.map((f): StoredFill => ({ ...f, clientOrderId: report.clientOrderId, time: at })));
        if (trade) this.store.addTrade(trade);
        this.store.addEvent({
          time: at,
          kind: 'fill',
          symbol: order.symbol,
          message: `sold ${v.qty.toFixed()} for ${v.gross.toFixed()} ${assets.quoteAsset} after the position closed (exit ${report.status}): booked into its trade; the balance follows the exchange's at the next balance check`,
          data: { clientOrderId: report.clientOrderId, qty: v.qty.toFixed(), credited: v.credited.toFixed() },
        });
      }
    });
    for (const f of fresh) this.booked.add(fillKey(report.clientOrderId, f));
    if (trade) this.trades.set(trade.positionId, trade);
    if (isFinalState(order.state)) this.drop(order);
    else this.sales.set(order.clientOrderId, order);
    return { trade, order, fills: fresh.length, qty: v.qty, credited: v.credited, undetailed };
  }

  /** The exchange does not show the sale (looked up for the whole window): it never executed. */
  absent(clientOrderId: string, why: string, now: number): void {
    const kept = this.sales.get(clientOrderId);
    if (!kept) return;
    const at = iso(now);
    this.store.transaction(() => {
      this.store.putOrder({ ...kept, state: 'rejected', updatedAt: at, error: why });
      this.store.addEvent({
        time: at,
        kind: 'order',
        symbol: kept.symbol,
        message: `the sale ${clientOrderId} of closed position #${kept.positionId} never executed: ${why}`,
      });
    });
    this.drop(kept);
  }

  private drop(order: OrderRecord): void {
    const id = order.clientOrderId;
    this.sales.delete(id);
    for (const key of [...this.booked]) if (key.startsWith(`${id}\u0000`)) this.booked.delete(key);
    if (![...this.sales.values()].some((o) => o.positionId === order.positionId)) this.trades.delete(order.positionId);
    this.settled.add(id);
    // Bounded: only reports arriving soon after matter.
    if (this.settled.size > 200) this.settled.delete(this.settled.values().next().value!);
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
