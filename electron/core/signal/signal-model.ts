/**
 * A per-symbol signal model. `update` is called once per CLOSED candle with its close and returns
 * the signal value, or NaN while the model is still warming up. Implementations must be O(1) per
 * candle: this sits on the engine's hot path.
 */
export interface SignalModel {
  update(close: number): number;
  /** The last signal value (NaN while warming up). */
  readonly value: number;
  /** The last raw z-score before smoothing (NaN while warming up). */
  readonly rawZ: number;
  /** Whether the window is full and `value` is meaningful. */
  readonly ready: boolean;
  /** Closes needed before the first signal. */
  readonly warmupCandles: number;
}

export interface SignalSettings {
  lookback: number;
  movingAverages: number;
}
