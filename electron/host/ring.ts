/** A bounded list that keeps the newest `capacity` items (oldest dropped first). */
export class Ring<T> {
  private items: T[] = [];
  private start = 0;

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new Error('a ring holds at least one item');
  }

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    if (this.items.length < this.capacity) {
      this.items.push(item);
      return;
    }
    this.items[this.start] = item;
    this.start = (this.start + 1) % this.capacity;
  }

  /** The newest item, if any. */
  last(): T | undefined {
    if (this.items.length === 0) return undefined;
    return this.items[(this.start + this.items.length - 1) % this.items.length];
  }

  /** Replaces the newest item (a candle delivered again). */
  replaceLast(item: T): void {
    if (this.items.length === 0) return this.push(item);
    this.items[(this.start + this.items.length - 1) % this.items.length] = item;
  }

  /** The newest `limit` items (all when omitted), oldest first. */
  newest(limit = this.items.length): T[] {
    const n = Math.max(0, Math.min(limit, this.items.length));
    const out: T[] = [];
    for (let i = this.items.length - n; i < this.items.length; i++) {
      out.push(this.items[(this.start + i) % this.items.length]!);
    }
    return out;
  }

  clear(): void {
    this.items = [];
    this.start = 0;
  }
}
