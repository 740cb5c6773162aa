/**
 * Sends alerts without ever holding up the engine: push() only queues; each sink drains its own
 * bounded queue in the background, at its own pace (Telegram: about one message a second), trying
 * a failed message again with back-off (or after the Retry-After it was given). A full queue drops
 * its oldest alert, and the next message says how many were dropped. Problems are reported once
 * per kind of failure, never with a secret.
 */
import type { Alert } from './alert-rules';
import type { AlertSink } from './alert-sinks';

export interface AlertDispatcherOptions {
  /** Per sink (default 100). */
  maxQueued?: number;
  /** Attempts per alert before it is given up (default 5). */
  attempts?: number;
  /** First wait before another attempt; doubles each time (default 1 s). */
  retryBaseMs?: number;
  /** Told when a sink cannot deliver (for the log): once per sink until it delivers again. */
  onProblem?: (sink: string, problem: string) => void;
}

class SinkQueue {
  readonly queue: Alert[] = [];
  dropped = 0;
  delivered = 0;
  failed = 0;
  running: Promise<void> | undefined;
  lastSentAt = 0;
  complained = false;
  constructor(readonly sink: AlertSink) {}
}

export class AlertDispatcher {
  private readonly queues: SinkQueue[];
  private readonly abort = new AbortController();
  private readonly maxQueued: number;
  private readonly attempts: number;
  private readonly retryBaseMs: number;

  constructor(
    sinks: readonly AlertSink[],
    private readonly o: AlertDispatcherOptions = {},
  ) {
    this.queues = sinks.map((s) => new SinkQueue(s));
    this.maxQueued = o.maxQueued ?? 100;
    this.attempts = o.attempts ?? 5;
    this.retryBaseMs = o.retryBaseMs ?? 1000;
  }

  get sinks(): string[] {
    return this.queues.map((q) => q.sink.name);
  }

  /** Queues an alert for every sink; returns at once. */
  push(alert: Alert): void {
    if (this.abort.signal.aborted) return;
    for (const q of this.queues) {
      if (q.queue.length >= this.maxQueued) {
        q.queue.shift();
        q.dropped++;
      }
      q.queue.push(alert);
      q.running ??= this.drain(q).finally(() => (q.running = undefined));
    }
  }

  /** Counts per sink, for status and tests. */
  stats(): Array<{ sink: string; queued: number; delivered: number; failed: number; dropped: number }> {
    return this.queues.map((q) => ({
      sink: q.sink.name,
      queued: q.queue.length,
      delivered: q.delivered,
      failed: q.failed,
      dropped: q.dropped,
    }));
  }

  /** Sends what is queued for up to `ms`, then stops (what is left is dropped). */
  async close(ms = 5000): Promise<void> {
    const all = Promise.all(this.queues.map((q) => q.running));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
    this.abort.abort();
    await all;
  }

  private async drain(q: SinkQueue): Promise<void> {
    const signal = this.abort.signal;
    while (q.queue.length > 0 && !signal.aborted) {
      let alert = q.queue.shift()!;
      if (q.dropped > 0) {
        alert = { ...alert, text: `${alert.text}\n(${q.dropped} earlier alert(s) dropped: too many at once)` };
        q.dropped = 0;
      }
      for (let attempt = 1; ; attempt++) {
        await wait(q.lastSentAt + q.sink.minIntervalMs - Date.now(), signal);
        if (signal.aborted) return;
        q.lastSentAt = Date.now();
        const r = await q.sink.send(alert, signal);
        if (r.ok) {
          q.delivered++;
          q.complained = false;
          break;
        }
        if (!q.complained) {
          q.complained = true;
          this.o.onProblem?.(q.sink.name, r.problem);
        }
        if (!r.retry || attempt >= this.attempts) {
          q.failed++;
          break;
        }
        await wait(r.retryAfterMs ?? this.retryBaseMs * 2 ** (attempt - 1), signal);
      }
    }
  }
}

function wait(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
