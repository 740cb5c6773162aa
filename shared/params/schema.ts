import { z } from 'zod';
import { KLINE_INTERVAL_NAMES, type KlineInterval } from '../market/intervals';
import { KNOWN_QUOTE_ASSETS, splitSymbol } from '../market/symbols';

/**
 * What a parameter file may hold: bounds a trader would never reach, so that hostile or broken
 * input is refused with a named problem and validation stays cheap (linear in the sets given).
 */
export const PARAMETER_LIMITS = {
  /** Sets per file: one per symbol, each a tranche of at least 0.01 %. */
  maxSets: 100,
  /** Problems reported at most (then "and N more"). */
  maxProblems: 50,
  /** profitPercent and stopLossPercent, in percent. */
  percentMin: 0.01,
  profitPercentMax: 1000,
  /** zScoreThreshold (and the size of exitZScore). */
  thresholdMin: 0.01,
  thresholdMax: 1000,
  allocationMin: 0.01,
} as const;

/** Float slack allowed on the allocation sum, so that 3 x 33.3 (= 99.89999...) and 3 x 33.333... pass. */
export const ALLOCATION_SUM_SLACK = 1e-9;

export const PARAMETER_DEFAULTS = {
  enabled: true,
  interval: '5m' as KlineInterval,
  lookback: 20,
  movingAverages: 1,
  stopLimitOffsetPercent: 0.1,
  stopOrderType: 'limit' as StopOrderType,
} as const;

/**
 * The OCO's stop leg: 'limit' (STOP_LOSS_LIMIT: once triggered, a limit order a little below the
 * stop; never sells below that limit, so a gap can leave it unfilled, which the engine then sells at
 * market after a grace period) or 'market' (STOP_LOSS: once triggered, sells at whatever the book
 * pays). See docs/trading-rules.md.
 */
export type StopOrderType = 'limit' | 'market';

const finite = (what: string) =>
  z.number({ error: (iss) => (iss.input === undefined ? `${what} is required` : `${what} must be a number`) });

/** One parameter set as written in the file (optional fields may be absent). */
export const parameterSetInputSchema = z.strictObject(
  {
    symbol: z
      .string({ error: (iss) => (iss.input === undefined ? 'symbol is required' : 'symbol must be a string') })
      .regex(/^[A-Z0-9]{5,20}$/, 'symbol must be an upper-case Binance spot symbol such as BTCUSDT'),
    allocationPercent: finite('allocationPercent')
      .gte(PARAMETER_LIMITS.allocationMin, 'allocationPercent must be at least 0.01')
      .lte(100, 'allocationPercent must be at most 100'),
    zScoreThreshold: finite('zScoreThreshold')
      .gte(PARAMETER_LIMITS.thresholdMin, 'zScoreThreshold must be at least 0.01')
      .lte(PARAMETER_LIMITS.thresholdMax, 'zScoreThreshold must be at most 1000'),
    profitPercent: finite('profitPercent')
      .gte(PARAMETER_LIMITS.percentMin, 'profitPercent must be at least 0.01')
      .lte(PARAMETER_LIMITS.profitPercentMax, 'profitPercent must be at most 1000'),
    stopLossPercent: finite('stopLossPercent')
      .gte(PARAMETER_LIMITS.percentMin, 'stopLossPercent must be at least 0.01')
      .lt(100, 'stopLossPercent must be less than 100'),
    enabled: z.boolean({ error: 'enabled must be true or false' }).optional(),
    interval: z
      .enum(KLINE_INTERVAL_NAMES as [KlineInterval, ...KlineInterval[]], {
        error: `interval must be a Binance kline interval: ${KLINE_INTERVAL_NAMES.join(', ')}`,
      })
      .optional(),
    lookback: finite('lookback')
      .int('lookback must be a whole number')
      .gte(3, 'lookback must be at least 3')
      .lte(10_000, 'lookback must be at most 10000')
      .optional(),
    movingAverages: finite('movingAverages')
      .int('movingAverages must be a whole number')
      .gte(1, 'movingAverages must be at least 1')
      .lte(1_000, 'movingAverages must be at most 1000')
      .optional(),
    exitZScore: finite('exitZScore')
      .gte(-PARAMETER_LIMITS.thresholdMax, 'exitZScore must be at least -1000')
      .lte(PARAMETER_LIMITS.thresholdMax, 'exitZScore must be at most 1000')
      .optional(),
    stopLimitOffsetPercent: finite('stopLimitOffsetPercent')
      .gte(0, 'stopLimitOffsetPercent must be 0 or more')
      .lt(50, 'stopLimitOffsetPercent must be less than 50')
      .optional(),
    stopOrderType: z
      .enum(['limit', 'market'], { error: 'stopOrderType must be "limit" (stop-limit) or "market" (stop-market)' })
      .optional(),
  },
  {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `unknown field(s): ${iss.keys
            .slice(0, 5)
            .map((k) => (k.length > 40 ? `${k.slice(0, 40)}…` : k))
            .join(', ')}${iss.keys.length > 5 ? ` and ${iss.keys.length - 5} more` : ''}`
        : 'each parameter set must be an object',
  },
);

export type ParameterSetInput = z.infer<typeof parameterSetInputSchema>;

/** A parameter set with every default filled in: what the engine runs on. */
export interface ParameterSet {
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
  allocationPercent: number;
  zScoreThreshold: number;
  profitPercent: number;
  stopLossPercent: number;
  enabled: boolean;
  interval: KlineInterval;
  lookback: number;
  movingAverages: number;
  exitZScore: number;
  stopLimitOffsetPercent: number;
  stopOrderType: StopOrderType;
}

export interface ParameterProblem {
  /** JSON path such as `parameterSets[1].allocationPercent`. */
  path: string;
  message: string;
}

export type ParameterValidation =
  { ok: true; sets: ParameterSet[]; quoteAsset: string } | { ok: false; problems: ParameterProblem[] };

function pathToString(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

/** Fills the documented defaults into a set that passed the per-set schema. */
export function withDefaults(input: ParameterSetInput): ParameterSet {
  const parts = splitSymbol(input.symbol);
  return {
    symbol: input.symbol,
    baseAsset: parts?.base ?? input.symbol,
    quoteAsset: parts?.quote ?? '',
    allocationPercent: input.allocationPercent,
    zScoreThreshold: input.zScoreThreshold,
    profitPercent: input.profitPercent,
    stopLossPercent: input.stopLossPercent,
    enabled: input.enabled ?? PARAMETER_DEFAULTS.enabled,
    interval: input.interval ?? PARAMETER_DEFAULTS.interval,
    lookback: input.lookback ?? PARAMETER_DEFAULTS.lookback,
    movingAverages: input.movingAverages ?? PARAMETER_DEFAULTS.movingAverages,
    exitZScore: input.exitZScore ?? -input.zScoreThreshold,
    stopLimitOffsetPercent: input.stopLimitOffsetPercent ?? PARAMETER_DEFAULTS.stopLimitOffsetPercent,
    stopOrderType: input.stopOrderType ?? PARAMETER_DEFAULTS.stopOrderType,
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Validates a whole parameter file (`{ "parameterSets": [...] }`, the seed's shape).
 * Every problem is reported with its JSON path; cross-set rules (allocation sum, repeated
 * symbols, mixed quote assets) are checked even when some sets have field errors, so the
 * trader sees everything to fix in one go.
 */
export function validateParameterFile(data: unknown): ParameterValidation {
  const problems: ParameterProblem[] = [];
  if (!isRecord(data)) {
    return {
      ok: false,
      problems: [{ path: '(root)', message: 'the file must hold a JSON object { "parameterSets": [ ... ] }' }],
    };
  }
  const extra = Object.keys(data).filter((k) => k !== 'parameterSets');
  if (extra.length > 0)
    problems.push({
      path: '(root)',
      message: `unknown field(s): ${listed(
        extra.map((k) => k.slice(0, 40)),
        ', ',
      )}`,
    });
  const list = data.parameterSets;
  if (!Array.isArray(list)) {
    problems.push({
      path: 'parameterSets',
      message: 'parameterSets is required and must be an array of parameter sets',
    });
    return { ok: false, problems };
  }
  if (list.length === 0)
    problems.push({ path: 'parameterSets', message: 'parameterSets is empty: add at least one set' });
  if (list.length > PARAMETER_LIMITS.maxSets) {
    // Refused before any set is looked at: the work stays bounded whatever the input holds.
    problems.push({
      path: 'parameterSets',
      message: `${list.length} parameter sets: at most ${PARAMETER_LIMITS.maxSets} (one per symbol)`,
    });
    return { ok: false, problems };
  }

  const sets: ParameterSet[] = [];
  list.forEach((raw, i) => {
    const parsed = parameterSetInputSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push({ path: pathToString(['parameterSets', i, ...issue.path]), message: issue.message });
      }
      return;
    }
    const set = withDefaults(parsed.data);
    if (!set.quoteAsset) {
      problems.push({
        path: `parameterSets[${i}].symbol`,
        message: `cannot tell the quote asset of ${set.symbol}; it must end with one of ${KNOWN_QUOTE_ASSETS.join(', ')}`,
      });
    }
    if (set.exitZScore >= set.zScoreThreshold) {
      problems.push({
        path: `parameterSets[${i}].exitZScore`,
        message: `exitZScore (${set.exitZScore}) must be below zScoreThreshold (${set.zScoreThreshold})`,
      });
    }
    sets.push(set);
  });

  // Cross-set rules, on whatever each raw set says (even when another field of it is wrong).
  const seen = new Map<string, number>();
  const quotes = new Map<string, number[]>();
  let sum = 0;
  const contributors: string[] = [];
  list.forEach((raw, i) => {
    if (!isRecord(raw)) return;
    // Echoed in messages: never more of it than a symbol can be.
    const symbol = typeof raw.symbol === 'string' ? raw.symbol.slice(0, 24) : undefined;
    if (symbol) {
      const first = seen.get(symbol);
      if (first !== undefined) {
        problems.push({
          path: `parameterSets[${i}].symbol`,
          message: `symbol ${symbol} repeats parameterSets[${first}]: one parameter set per symbol`,
        });
      } else seen.set(symbol, i);
      const quote = splitSymbol(symbol)?.quote;
      if (quote) {
        const at = quotes.get(quote);
        if (at) at.push(i);
        else quotes.set(quote, [i]);
      }
    }
    const enabled = raw.enabled === undefined ? true : raw.enabled === true;
    const a = raw.allocationPercent;
    // Only values the per-set rule accepts count: an out-of-range one is reported there.
    if (enabled && typeof a === 'number' && a >= PARAMETER_LIMITS.allocationMin && a <= 100) {
      sum += a;
      contributors.push(`${symbol ?? `#${i}`} ${a}%`);
    }
  });
  if (sum > 100 + ALLOCATION_SUM_SLACK) {
    problems.push({
      path: 'parameterSets',
      message: `enabled allocations sum to ${+sum.toFixed(6)}%, above 100% (${listed(contributors, ' + ')}); lower some allocations or disable a set`,
    });
  }
  if (quotes.size > 1) {
    const desc = [...quotes.entries()].map(
      ([q, idx]) =>
        `${q} in ${listed(
          idx.map((i) => `parameterSets[${i}]`),
          ', ',
        )}`,
    );
    problems.push({
      path: 'parameterSets',
      message: `all sets must share one quote asset so they split one balance; found ${desc.join('; ')}`,
    });
  }

  if (problems.length > PARAMETER_LIMITS.maxProblems) {
    const more = problems.length - PARAMETER_LIMITS.maxProblems;
    problems.length = PARAMETER_LIMITS.maxProblems;
    problems.push({ path: 'parameterSets', message: `and ${more} more problem${more === 1 ? '' : 's'}` });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, sets, quoteAsset: sets[0]!.quoteAsset };
}

/** The first ten items joined, and how many more. */
function listed(items: readonly string[], sep: string): string {
  return items.length <= 10 ? items.join(sep) : `${items.slice(0, 10).join(sep)}${sep}... ${items.length - 10} more`;
}

export function formatProblems(problems: readonly ParameterProblem[]): string {
  return problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n');
}
