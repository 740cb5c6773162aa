import { ExchangeError } from '../../core/ports/exchange';

export interface RetryPolicy {
  /** Attempts in all (1 = no retry). */
  attempts: number;
  /** First wait (ms); each next one doubles, up to maxDelayMs, with jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the error goes to the caller. */
  maxRetryAfterMs: number;
}

/** For reads (order look-ups, balances, exchangeInfo, prices): safe to send again. */
export const READ_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 4000, maxRetryAfterMs: 10_000 };

/** For order placement: never sent twice by this layer; a lost answer is the engine's to look up. */
export const NO_RETRY: RetryPolicy = { attempts: 1, baseDelayMs: 0, maxDelayMs: 0, maxRetryAfterMs: 0 };

/** The wait before attempt n+1 (n from 0): exponential back-off with full jitter in [50%, 100%]. */
function backoffDelay(policy: RetryPolicy, n: number, random: () => number = Math.random): number {
  const capped = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** n);
  return Math.round(capped * (0.5 + 0.5 * random()));
}

/** Whether an error of a read is worth another try: the request may not have been served. */
function retryable(e: unknown): boolean {
  return (
    e instanceof ExchangeError && (e.kind === 'network' || e.kind === 'unknown-outcome' || e.kind === 'rate-limited')
  );
}

/**
 * The one retry policy of the Binance access layer (freqtrade's @retrier is the model): sends,
 * and on a retryable error waits (exponential back-off with jitter, or the Retry-After Binance gave
 * when it is longer) and sends again, up to `policy.attempts`. Bans (418) and refusals are never
 * retried here.
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  send: () => Promise<T>,
  opts: { signal?: AbortSignal; sleep?: (ms: number) => Promise<void> } = {},
): Promise<T> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let n = 0; ; n++) {
    try {
      return await send();
    } catch (e) {
      if (n + 1 >= policy.attempts || !retryable(e) || opts.signal?.aborted) throw e;
      const after = e instanceof ExchangeError ? (e.retryAfterMs ?? 0) : 0;
      if (after > policy.maxRetryAfterMs) throw e;
      await sleep(Math.max(after, backoffDelay(policy, n)));
    }
  }
}
