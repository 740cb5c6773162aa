import { PAPER_BALANCE_MAX, PAPER_BALANCE_MIN } from '../../shared/params/paper-limits';
import path from 'node:path';
import { Decimal } from '../core/money/decimal';
import type { MarketChoice } from '../app/market-choice';
import { defaultDataDir, defaultLedgerFile, replayLedgerFile } from '../app/paths';
import { checkLedgerLocation, parseMarketChoice } from '../app/session-plan';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type LogFormat = 'pretty' | 'json';

export interface TradeOptions {
  paper: boolean;
  /** A parameter file to trade; undefined: the sets saved in the data folder (the desktop app's). */
  parameterSets: string | undefined;
  dataDir: string;
  market: MarketChoice;
  balance: Decimal;
  feeRate: Decimal;
  slippageBps: number;
  db: string;
  fresh: boolean;
  logFormat: LogFormat;
  quiet: boolean;
  /** How long a triggered stop-limit may rest unfilled below the market before it is sold at market. */
  stopGraceMs: number;
}

export type { Values } from './option-catalogue';
import type { Values } from './option-catalogue';

function decimalOption(
  name: string,
  raw: string | undefined,
  fallback: string,
  check: (d: Decimal) => boolean,
  rule: string,
): Decimal {
  const text = raw ?? fallback;
  let d: Decimal;
  try {
    d = new Decimal(text);
  } catch {
    throw new UsageError(`--${name}=${text} is not a number; ${rule}`);
  }
  if (!d.isFinite() || !check(d)) throw new UsageError(`--${name}=${text} is out of range; ${rule}`);
  return d;
}

export function parseMarket(raw: string | undefined, values: Values): MarketChoice {
  return parseMarketChoice(raw, { restBaseUrl: values['binance-rest-url'], wsBaseUrl: values['binance-ws-url'] });
}

export function ledgerFileFor(values: Values, market: MarketChoice): string {
  if (values.db) return path.resolve(values.db);
  const dir = values['data-dir'] ? path.resolve(values['data-dir']) : defaultDataDir();
  if (market.kind === 'replay') return replayLedgerFile(market.dir, dir);
  // --env names a live environment (its own ledger); without it, the paper ledger.
  if (values.env && !values.paper) return defaultLedgerFile('live', values.env, dir);
  return defaultLedgerFile('paper', 'paper', dir);
}

/** The ledger a trading run writes: a named one (--db) must be in a folder that exists. */
function tradeLedgerFile(values: Values, market: MarketChoice): string {
  if (values.db) checkLedgerLocation(values.db);
  return ledgerFileFor(values, market);
}

export function tradeOptions(values: Values): TradeOptions {
  const logFormat = values['log-format'] ?? 'pretty';
  if (logFormat !== 'pretty' && logFormat !== 'json')
    throw new UsageError(`--log-format=${logFormat} is not understood; use pretty or json`);
  const market = parseMarket(values.market, values);
  const slippage = decimalOption(
    'slippage-bps',
    values['slippage-bps'],
    '5',
    (d) => d.gte(0) && d.lte(1000),
    'use 0 to 1000 basis points',
  );
  return {
    paper: values.paper === true,
    parameterSets: values.parameterSets ? path.resolve(values.parameterSets) : undefined,
    dataDir: values['data-dir'] ? path.resolve(values['data-dir']) : defaultDataDir(),
    market,
    balance: decimalOption(
      'balance',
      values.balance,
      '1000',
      (d) => d.gte(PAPER_BALANCE_MIN) && d.lte(PAPER_BALANCE_MAX),
      `use a paper balance from ${PAPER_BALANCE_MIN} to ${PAPER_BALANCE_MAX}`,
    ),
    feeRate: decimalOption(
      'fee-rate',
      values['fee-rate'],
      '0.001',
      (d) => d.gte(0) && d.lt(0.1),
      'use a fraction such as 0.001 for 0.1%',
    ),
    slippageBps: slippage.toNumber(),
    db: tradeLedgerFile(values, market),
    fresh: values.fresh === true,
    logFormat,
    quiet: values.quiet === true,
    stopGraceMs:
      decimalOption(
        'stop-grace',
        values['stop-grace'],
        '10',
        (d) => d.isInteger() && d.gte(1) && d.lte(600),
        'use 1 to 600 seconds',
      ).toNumber() * 1000,
  };
}
