/**
 * How long the engine waits and how often it tries again. Defaults are for Binance; tests and the
 * paper exchange (which answers at once and never loses an answer) pass shorter ones.
 */
export interface EngineTimings {
  /** Waits between look-ups of an order whose answer was lost (ms); the last one repeats. */
  lookupDelaysMs: readonly number[];
  /**
   * For how long (sum of those waits) an order whose answer was lost is looked up before, absent at
   * every look-up, it is taken as never executed. Binance's backend gives up on a request after 10 s
   * (-1007) but "this does not always mean that the request failed"; its docs give no upper bound,
   * so the default is generous (10 minutes) and the reservation stays for all of it.
   */
  unknownOutcomeWindowMs: number;
  /** Back-off between attempts of a failing sale, cancel or OCO placement (ms); the last repeats. Jittered. */
  retryDelaysMs: readonly number[];
  /** How long (sum of waits) an exit's sale may keep failing before the OCO is put back on the coins. */
  exitRetryBudgetMs: number;
  /**
   * How long a triggered stop-limit that has not filled (or a take-profit that started filling and
   * did not finish) may work before the engine acts: sells the rest at market when the price is
   * below the stop's limit, or protects the take-profit's remainder again when the price fell back.
   */
  gapGraceMs: number;
  /** How soon a deferred action (an exit whose sale failed, an OCO that could not be placed) is tried again. */
  deferredRetryMs: number;
}

export const DEFAULT_TIMINGS: EngineTimings = {
  lookupDelaysMs: [250, 500, 1000, 2000, 4000, 8000, 15_000, 30_000, 60_000],
  unknownOutcomeWindowMs: 10 * 60_000,
  retryDelaysMs: [250, 500, 1000, 2000, 4000],
  exitRetryBudgetMs: 8000,
  gapGraceMs: 10_000,
  deferredRetryMs: 10_000,
};

/** For exchanges that answer at once and never lose an answer (paper): no waiting around. */
export const IMMEDIATE_TIMINGS: EngineTimings = {
  lookupDelaysMs: [0],
  unknownOutcomeWindowMs: 0,
  retryDelaysMs: [0],
  exitRetryBudgetMs: 0,
  gapGraceMs: 10_000,
  deferredRetryMs: 10_000,
};

/** The n-th wait of a schedule (the last repeats), with up to 20% jitter so clients do not retry in step. */
export function backoff(schedule: readonly number[], n: number, jitter: () => number = Math.random): number {
  const base = schedule[Math.min(n, schedule.length - 1)] ?? 0;
  return Math.round(base * (1 + 0.2 * jitter()));
}

/** Resolves after `ms`, or at once when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
