import type { Ledger } from '../ledger/ledger';
import type { Exchange } from '../ports/exchange';
import { describe } from './describe';
import type { EngineEvent } from './engine-events';

export interface BalanceCheckContext {
  ledger: Ledger;
  exchange: Exchange;
  now(): number;
  tell(e: EngineEvent): void;
  /** True when no operation is in flight (an order being placed would make the figures differ for a moment). */
  idle(): boolean;
  /** Re-reads every working order of the open positions from the exchange and books what it finds. */
  rereadWorkingOrders(): Promise<void>;
  /** Says the (maybe new) balance. */
  tellBalance(): void;
}

/**
 * Checks the ledger's quote balance against the exchange's (REST) once operations have settled.
 * The ledger's balance moves only by booked fills, so event order can never count one twice; this
 * check catches what booking cannot see: a deposit or a withdrawal, a trade made outside Tranche,
 * a fill whose report never came. When the figures differ, the working orders are read again first
 * (a fill may be on its way), and only a difference that survives that is adopted: logged in the
 * ledger and told as a 'balance-divergence' event.
 */
export class BalanceCheck {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly x: BalanceCheckContext) {}

  /** Runs a check after `delayMs` (debounced: a burst of events gives one check). */
  schedule(delayMs = 2000): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, delayMs);
    this.timer.unref?.();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Checks now (waits for a check already running). Never throws: a failure is told. */
  run(): Promise<void> {
    this.running ??= this.check().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async check(): Promise<void> {
    if (this.stopped) return;
    if (!this.x.idle()) {
      this.schedule(1000);
      return;
    }
    const ledger = this.x.ledger;
    const asset = ledger.quoteAsset;
    try {
      for (let round = 0; round < 3; round++) {
        const version = ledger.bookingCount;
        const remote = await this.x.exchange.getBalance(asset);
        if (!this.x.idle() || ledger.bookingCount !== version) continue; // something was booked meanwhile
        if (remote.eq(ledger.balance)) return;
        if (round === 0) {
          // A fill may have happened whose report has not arrived: read the working orders first.
          await this.x.rereadWorkingOrders();
          continue;
        }
        const booked = ledger.balance;
        this.x.tell({
          type: 'balance-divergence',
          quoteAsset: asset,
          ledger: booked.toFixed(),
          exchange: remote.toFixed(),
          message: `the exchange holds ${remote.toFixed()} ${asset}, the ledger had booked ${booked.toFixed()} (difference ${remote.sub(booked).toFixed()}): a deposit, a withdrawal or a trade outside Tranche; the ledger now follows the exchange`,
        });
        ledger.setQuoteBalance(remote, this.x.now(), `differed from the booked ${booked.toFixed()}`);
        this.x.tellBalance();
        return;
      }
      this.schedule(2000); // kept moving: look again when it is quiet
    } catch (e) {
      this.x.tell({
        type: 'warning',
        message: `could not check the ${asset} balance against the exchange: ${describe(e)}`,
      });
    }
  }
}
