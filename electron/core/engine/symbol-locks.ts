/**
 * One operation at a time per symbol: entries, protection, exits and reconciliation of a symbol
 * queue behind each other, so no two flows ever act on one position at once; different symbols run
 * concurrently (the ledger's synchronous transactions keep them from over-allocating).
 */
export class SymbolLocks {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly depth = new Map<string, number>();

  /** Runs `work` once every earlier operation of the symbol has ended; resolves with its result. */
  run<T>(symbol: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(symbol) ?? Promise.resolve();
    this.depth.set(symbol, (this.depth.get(symbol) ?? 0) + 1);
    const result = before.then(work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(symbol, tail);
    void tail.then(() => {
      const left = (this.depth.get(symbol) ?? 1) - 1;
      if (left <= 0) {
        this.depth.delete(symbol);
        if (this.tails.get(symbol) === tail) this.tails.delete(symbol);
      } else this.depth.set(symbol, left);
    });
    return result;
  }

  /** Whether an operation of the symbol is running or queued. */
  busy(symbol: string): boolean {
    return (this.depth.get(symbol) ?? 0) > 0;
  }
}
