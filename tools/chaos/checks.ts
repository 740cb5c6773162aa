import { Decimal } from '../../electron/core/money/decimal';
import type { OrderRequestRecord } from '../fake-binance/rest-trading';
import type { FakeBinance, FakeOrderSnapshot } from '../fake-binance/server';
import { totalBalance, type LedgerView } from './ledger-view';

/**
 * The chaos run's invariants, checked after every step against the trader's ledger file and the
 * local exchange's own state (in-process, read synchronously so that nothing on the exchange moves
 * between the two reads). docs/chaos.md defines each one.
 */

export type CheckName =
  | 'reserved-within-total'
  | 'quote-balance-agrees'
  | 'unique-client-order-ids'
  | 'protected-within-5s'
  | 'no-sale-refused-for-balance'
  | 'reservations-match-positions'
  | 'trader-alive';

export interface Finding {
  check: CheckName;
  detail: string;
}

export const PROTECTION_DEADLINE_MS = 5000;
/** Leftovers worth more than this (quote) are never taken as dust, even with no live position. */
const RESIDUAL_CAP_QUOTE = 20;

export interface CheckInput {
  fake: FakeBinance;
  apiKey: string;
  quoteAsset: string;
  symbols: readonly string[];
  baseOf: (symbol: string) => string;
  /** Holdings worth less than this (the symbol's minimum notional) cannot be sold or protected: dust. */
  dustBelow: (symbol: string) => number;
  ledger: LedgerView;
  now: number;
  /** The trader runs and has said it is ready (user data stream and market data connected). */
  traderReady: boolean;
  /** When the trader last became ready. */
  readyAt: number;
  /** Until when armed faults may keep the trader from placing or learning about orders (any symbol). */
  blockedUntil: number;
  /** Per symbol: until when the trader said an order of it failed or its outcome is unknown (plus its retry). */
  symbolBlockedUntil: (symbol: string) => number;
  /** Until when an order may still be placed late (late-execution faults) or user events be delayed. */
  unsettledUntil: number;
}

const WORKING = new Set(['NEW', 'PARTIALLY_FILLED']);

/** Our ledger state for an exchange status (as electron/core/ledger/order-states.ts maps it). */
function stateOf(status: string): string {
  if (status === 'NEW' || status === 'PARTIALLY_FILLED' || status === 'PENDING_CANCEL') return 'open';
  if (status === 'FILLED') return 'filled';
  if (status === 'CANCELED') return 'canceled';
  if (status === 'REJECTED') return 'rejected';
  return 'expired';
}

/** State kept between checks: when each symbol was first seen unprotected, what was already read. */
export class Checker {
  private readonly unprotectedSince = new Map<string, number>();
  /** Per symbol: coins left over (commission dust) while no position of it was live, at most RESIDUAL_CAP worth. */
  private readonly residual = new Map<string, Decimal>();
  private readonly reported = new Set<string>();
  private readonly acceptedIds = new Map<string, number>();
  private requestsSeen = 0;
  settledChecks = 0;
  balanceComparisons = 0;
  buysRefusedForBalance = 0;
  /** Late-run sales refused because the trader had placed another on the coins meanwhile (not violations). */
  lateSalesRefused = 0;
  /** Why checks found the ledger unsettled, and how often (the first difference seen). */
  readonly unsettledBy = new Map<string, number>();

  run(x: CheckInput): Finding[] {
    const found: Finding[] = [];
    const { ledger } = x;

    // Reservations never above the total balance.
    const reserved = ledger.reservations.reduce((s, r) => s.add(r.amount), new Decimal(0));
    const total = totalBalance(ledger);
    if (reserved.gt(total))
      found.push({
        check: 'reserved-within-total',
        detail: `reserved ${reserved.toFixed()} > total ${total.toFixed()}`,
      });

    // Reservations <=> open positions: one reservation per live position, none without one.
    const liveIds = new Set(ledger.live.map((p) => p.id));
    for (const r of ledger.reservations)
      if (!liveIds.has(r.positionId))
        found.push({
          check: 'reservations-match-positions',
          detail: `reservation of ${r.symbol} (${r.amount.toFixed()}) for position #${r.positionId}, which is not live`,
        });
    for (const p of ledger.live)
      if (!ledger.reservations.some((r) => r.positionId === p.id))
        found.push({
          check: 'reservations-match-positions',
          detail: `live position #${p.id} ${p.symbol} (${p.status}) has no reservation`,
        });

    // Order requests since the last check: duplicates among accepted ones; sales refused for balance.
    const requests = x.fake.orderRequests().filter((r) => r.apiKey === x.apiKey);
    for (const r of requests.slice(this.requestsSeen)) {
      if (r.accepted) {
        for (const id of r.clientOrderIds) {
          const n = (this.acceptedIds.get(id) ?? 0) + 1;
          this.acceptedIds.set(id, n);
          if (n === 2)
            found.push({
              check: 'unique-client-order-ids',
              detail: `client order id ${id} accepted twice (${r.method} ${r.path} ${r.symbol ?? ''})`,
            });
        }
      } else if (r.error?.code === -2010 && /insufficient balance/i.test(r.error.msg)) {
        if (r.side === 'SELL' && this.movedOn(r, requests)) this.lateSalesRefused++;
        else if (r.side === 'SELL')
          found.push({
            check: 'no-sale-refused-for-balance',
            detail: `${r.symbol} ${r.path} SELL ${r.clientOrderIds.join(',')} refused: ${r.error.msg}`,
          });
        else this.buysRefusedForBalance++;
      }
    }
    this.requestsSeen = requests.length;

    const orders = x.fake.orders(x.apiKey);
    const balances = x.fake.account(x.apiKey).balances;

    // Every position held on the exchange protected by a working OCO within 5 s, unless being exited.
    for (const symbol of x.symbols) {
      const problem = x.traderReady ? this.protectionProblem(x, symbol, orders, balances) : undefined;
      if (!problem) {
        this.unprotectedSince.delete(symbol);
        continue;
      }
      const since = this.unprotectedSince.get(symbol) ?? x.now;
      this.unprotectedSince.set(symbol, since);
      const from = Math.max(since, x.readyAt, x.blockedUntil, x.symbolBlockedUntil(symbol));
      const key = `protect|${symbol}|${since}`;
      if (x.now - from > PROTECTION_DEADLINE_MS && !this.reported.has(key)) {
        this.reported.add(key);
        found.push({
          check: 'protected-within-5s',
          detail: `${symbol}: ${problem} for ${x.now - since} ms (${x.now - from} ms past faults and restarts)`,
        });
      }
    }

    // The ledger's quote balance equals the exchange's, once settled.
    if (x.traderReady && x.now > x.unsettledUntil && this.settled(ledger, orders)) {
      this.settledChecks++;
      this.balanceComparisons++;
      const q = balances[x.quoteAsset];
      const exchange = q ? new Decimal(q.free).add(q.locked) : new Decimal(0);
      if (!exchange.eq(ledger.quoteBalance))
        found.push({
          check: 'quote-balance-agrees',
          detail: `settled, yet the ledger holds ${ledger.quoteBalance.toFixed()} ${x.quoteAsset} and the exchange ${exchange.toFixed()}`,
        });
    }
    return found;
  }

  /**
   * Settled: every order the exchange holds for us is known to the ledger in the same state with
   * the same executed quantity (so every fill the exchange made is booked, and nothing the ledger
   * still calls open has ended). Orders the ledger records as pending (sent or about to be, outcome
   * unknown) must be absent from the exchange: they have moved no money. Late executions and held
   * answers still to come are excluded by the caller (unsettledUntil).
   */
  private settled(ledger: LedgerView, orders: readonly FakeOrderSnapshot[]): boolean {
    for (const o of orders) {
      const mine = ledger.orders.get(o.clientOrderId);
      const why = !mine
        ? 'an exchange order unknown to the ledger'
        : mine.state !== stateOf(o.status) && !(mine.state === 'filled' && o.status === 'EXPIRED')
          ? `ledger ${mine.state} / exchange ${o.status}`
          : !mine.executedQty.eq(o.executedQty)
            ? 'executed quantities differ'
            : undefined;
      if (why) {
        // Named by order, so a difference that never settles points at the order to look up.
        const key = `${why}: ${o.symbol} ${o.side} ${o.type} ${o.clientOrderId}`;
        this.unsettledBy.set(key, (this.unsettledBy.get(key) ?? 0) + 1);
        return false;
      }
    }
    return true;
  }

  /**
   * A sale (or OCO) that ran late, after the trader had been answered an error or had given up on
   * it, and was refused because the trader had meanwhile placed its replacement (the same
   * position's next attempt or its exit sale) on the coins: an OCO whose answer was lost is looked
   * up for the retry budget, then replaced (chaos seed 1, step 1235). The exchange's refusal keeps
   * the coins under one order; it reached no one. Ordered by the monotonic clock (the server's can
   * be skewed by a fault); a SELL sent while the late one's answer was still held, or for another
   * position, is no excuse.
   */
  private movedOn(r: OrderRequestRecord, requests: readonly OrderRequestRecord[]): boolean {
    const answered = r.lateRun?.answeredMono;
    if (!r.executedLate || answered === undefined) return false;
    const position = positionOf(r);
    return requests.some(
      (o) =>
        o !== r &&
        o.accepted &&
        o.side === 'SELL' &&
        o.symbol === r.symbol &&
        positionOf(o) === position &&
        o.arrivedMono >= answered &&
        o.ranMono <= r.ranMono,
    );
  }

  /** Why `symbol`'s holdings are unprotected right now, or undefined when they are fine. */
  private protectionProblem(
    x: CheckInput,
    symbol: string,
    orders: readonly FakeOrderSnapshot[],
    balances: Record<string, { free: string; locked: string }>,
  ): string | undefined {
    const b = balances[x.baseOf(symbol)];
    const total = b ? new Decimal(b.free).add(b.locked) : new Decimal(0);
    const price = x.fake.market.lastPrice(symbol) ?? 0;
    const position = x.ledger.live.find((p) => p.symbol === symbol);
    // Each trade leaves up to a lot step of commission dust; over many trades it adds up above the
    // minimum notional. What is held while no position of the symbol is live and nothing of it
    // works on the exchange is that dust (up to RESIDUAL_CAP_QUOTE worth).
    const busy = orders.some((o) => o.symbol === symbol && WORKING.has(o.status));
    if (!position && !busy && total.mul(price).lte(RESIDUAL_CAP_QUOTE)) this.residual.set(symbol, total);
    const held = total.sub(this.residual.get(symbol) ?? 0);
    if (held.mul(price).lt(x.dustBelow(symbol))) return undefined;
    if (position?.status === 'exiting') return undefined;
    const legs = orders.filter(
      (o) => o.symbol === symbol && o.side === 'SELL' && o.orderListId >= 0 && WORKING.has(o.status),
    );
    if (legs.length > 0) return undefined;
    return `${held.toFixed()} ${x.baseOf(symbol)} held (ledger: ${position ? `#${position.id} ${position.status}` : 'no live position'}) without a working OCO`;
  }
}

/** The position a request's client ids name (`<prefix><ledger>-<position>` without kind and attempt). */
function positionOf(r: OrderRequestRecord): string | undefined {
  const id = r.clientOrderIds[0];
  return id?.replace(/[a-z]\d*$/, '');
}
