/**
 * At most one emission per key every `intervalMs`: the first value goes out at once, later ones
 * within the interval are held and only the newest goes out when the interval ends. Used for price
 * and signal events (a replay delivers thousands of candles per second; the screen wants a few).
 */
export class KeyedThrottle<T> {
  private readonly keys = new Map<string, { last: number; pending: T | undefined; timer?: NodeJS.Timeout }>();

  constructor(
    private readonly intervalMs: number,
    private readonly emit: (value: T) => void,
    private readonly now: () => number = Date.now,
  ) {}

  push(key: string, value: T): void {
    let s = this.keys.get(key);
    if (!s) this.keys.set(key, (s = { last: -Infinity, pending: undefined }));
    const t = this.now();
    if (!s.timer && t - s.last >= this.intervalMs) {
      s.last = t;
      this.emit(value);
      return;
    }
    s.pending = value;
    if (!s.timer) {
      const state = s;
      state.timer = setTimeout(
        () => {
          state.timer = undefined;
          state.last = this.now();
          const v = state.pending;
          state.pending = undefined;
          if (v !== undefined) this.emit(v);
        },
        Math.max(0, this.intervalMs - (t - s.last)),
      );
      state.timer.unref?.();
    }
  }

  /** Sends what is held at once (used when a session ends, so the last value is not lost). */
  flush(): void {
    for (const s of this.keys.values()) {
      if (s.timer) clearTimeout(s.timer);
      s.timer = undefined;
      const v = s.pending;
      s.pending = undefined;
      if (v !== undefined) this.emit(v);
    }
  }

  dispose(): void {
    for (const s of this.keys.values()) if (s.timer) clearTimeout(s.timer);
    this.keys.clear();
  }
}
