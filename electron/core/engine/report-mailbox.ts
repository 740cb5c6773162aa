import type { OrderReport } from '../ports/exchange';

/**
 * Where a flow that is looking an order up (its answer was lost) hears about it sooner: a report
 * of that client order id arriving on the user data stream wakes the waiting flow at once. The
 * newest report per client order id is kept until taken, so one that came before the flow started
 * waiting is not missed.
 */
export class ReportMailbox {
  private readonly latest = new Map<string, OrderReport>();
  private readonly waiting = new Map<string, (r: OrderReport) => void>();

  /** A report of one of our orders arrived. */
  post(report: OrderReport): void {
    // A leg's report also answers whoever looks its order list up.
    const list = report.listClientOrderId;
    const wakeList = list ? this.waiting.get(list) : undefined;
    if (list && wakeList) {
      this.waiting.delete(list);
      wakeList(report);
    }
    const wake = this.waiting.get(report.clientOrderId);
    if (wake) {
      this.waiting.delete(report.clientOrderId);
      wake(report);
      return;
    }
    this.latest.set(report.clientOrderId, report);
    // Bounded: only orders somebody may be waiting for matter; keep the newest few hundred.
    if (this.latest.size > 500) this.latest.delete(this.latest.keys().next().value!);
  }

  /** The report posted for this id since it was last taken, if any. */
  take(clientOrderId: string): OrderReport | undefined {
    const r = this.latest.get(clientOrderId);
    this.latest.delete(clientOrderId);
    return r;
  }

  /** Waits up to `ms` for a report of this id (undefined when none came, or on abort). */
  wait(clientOrderId: string, ms: number, signal: AbortSignal): Promise<OrderReport | undefined> {
    const ready = this.take(clientOrderId);
    if (ready) return Promise.resolve(ready);
    if (signal.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const done = (r: OrderReport | undefined) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (this.waiting.get(clientOrderId) === wake) this.waiting.delete(clientOrderId);
        resolve(r);
      };
      const wake = (r: OrderReport) => done(r);
      const onAbort = () => done(undefined);
      const timer = setTimeout(() => done(undefined), ms);
      this.waiting.set(clientOrderId, wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
