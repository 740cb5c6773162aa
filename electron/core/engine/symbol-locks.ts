/**
 * One operation at a time per symbol: entries, protection, exits and reconciliation of a symbol
 * queue behind each other, so no two flows ever act on one position at once; different symbols run
 * concurrently (the ledger's synchronous transactions keep them from over-allocating).
 */
export class SymbolLocks {
  /** Per symbol, the end of its last queued operation (dropped once that one has ended). */
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `work` once every earlier operation of the symbol has ended; resolves with its result. */
  run<T>(symbol: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(symbol) ?? Promise.resolve();
    const result = before.then(work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(symbol, tail);
    void tail.then(() => {
      // Only when nothing was queued behind it: a later operation's tail must stay to be waited on.
      if (this.tails.get(symbol) === tail) this.tails.delete(symbol);
    });
    return result;
  }

  /** How many symbols have an operation running or queued (nothing is kept for idle ones). */
  get size(): number {
    return this.tails.size;
  }
}
