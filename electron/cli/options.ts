import { parseArgs } from 'node:util';
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

const COMMON = {
  paper: { type: 'boolean' },
  live: { type: 'boolean' },
  parameterSets: { type: 'string' },
  market: { type: 'string' },
  balance: { type: 'string' },
  'fee-rate': { type: 'string' },
  'slippage-bps': { type: 'string' },
  db: { type: 'string' },
  'data-dir': { type: 'string' },
  fresh: { type: 'boolean' },
  'log-format': { type: 'string' },
  quiet: { type: 'boolean' },
  'binance-rest-url': { type: 'string' },
  'binance-ws-url': { type: 'string' },
  'binance-ws-api-url': { type: 'string' },
  env: { type: 'string' },
  'confirm-live': { type: 'boolean' },
  'secret-stdin': { type: 'boolean' },
  'allow-withdrawals': { type: 'boolean' },
  force: { type: 'boolean' },
  'private-key-file': { type: 'string' },
  'stop-grace': { type: 'string' },
  port: { type: 'string' },
  'renderer-dir': { type: 'string' },
  'telegram-chat': { type: 'string' },
  'telegram-api-url': { type: 'string' },
  'alert-webhook': { type: 'string' },
  out: { type: 'string' },
  limit: { type: 'string' },
  level: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: COMMON, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message.replace(/\. To specify.*$/s, '')}. Run with --help for the options.`);
  }
}

type Values = ReturnType<typeof parseCommandLine>['values'];

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

export const HELP = `Tranche - z-score entries, OCO-protected positions, an allocation ledger that never over-allocates.

Usage:
  npm run startTrading -- --paper --parameterSets=config/live-params.json [options]
  npm run status -- [--db FILE | --market=replay:DIR]
  npm run tranche -- log [--db FILE | --market=replay:DIR] [--limit=100] [--level=error]
  npm run emergencyStop -- --paper [--db FILE]
  npm run tranche -- clear-allocations --paper [--db FILE]
  npm run keys -- list | set --env=NAME [--secret-stdin] | test --env=NAME | delete --env=NAME
  npm run serve -- [--port=0] [--data-dir=DIR]

Commands (npm run tranche -- COMMAND):
  trade               trade the parameter sets (what npm run startTrading runs)
  status              print a stored ledger: allocation status JSON, positions, recent trades
  params show         the parameter sets saved in the data folder (what trade uses without --parameterSets)
  params import FILE  make a parameter file (the seed's shape) the saved sets, after checking it
  params export [--out=FILE]  the saved sets in the seed's shape (to stdout, or to FILE)
  log                 the ledger's journal: orders, fills, closes and the engine's warnings and errors,
                      also of earlier runs ([--limit=100] [--level=all|warning|error] [--log-format=json])
  emergency-stop      stop entries, cancel every OCO, sell every position at market, clear reservations.
                      A process trading the ledger (startTrading, serve, the desktop app) is asked to
                      do it over the ledger's control channel. Exit 0 only when the ledger then shows
                      no open position; 1 names what is still open, or the owner that did not answer
  clear-allocations   the emergency reset: clear every reservation (positions stay as they are)
  keys list           the environments with an API key in the OS keychain (keys shown masked: last 4 only)
  keys set --env=NAME store an API key for live, testnet or a custom environment (prompted with echo off)
  keys delete --env=NAME   remove an environment's API key from the OS keychain
  serve               the desktop app in a browser: the trading host on http://127.0.0.1 (npm run serve -- --help)

Options:
  --paper                     paper trading: simulated fills on real prices; without it, live trading
                              on Binance (--env, default live) after a typed confirmation
  --parameterSets=PATH        parameter file, the seed's shape { "parameterSets": [ ... ] }; without it,
                              the sets saved in the data folder (the ones the desktop app edits;
                              npm run tranche -- params import FILE makes a file those)
  --market=binance            live Binance market data (default; no API key needed)
  --market=replay:DIR         replay Binance kline CSVs (<SYMBOL>-<interval>-*.csv) from DIR, as fast as possible
  --balance=1000              paper starting balance in the quote asset (only used when the ledger is new)
  --fee-rate=0.001            paper commission per fill (0.1%)
  --slippage-bps=5            paper market orders fill this many basis points worse than the price
  --db=FILE                   ledger file (default: paper.sqlite, or replay-<DIR>.sqlite, in the data folder)
  --data-dir=DIR              data folder (default ~/.config/Tranche on Linux, or $TRANCHE_DATA_DIR)
  --fresh                     replays: delete the replay ledger and start over
  --log-format=pretty|json    console lines as in the seed, or one JSON event per line
  --quiet                     pretty format without signal and skip lines
  --stop-grace=10             seconds a triggered stop-limit may rest unfilled below the market
                              before the rest is sold at market (a gapped stop-loss)
  --telegram-chat=ID          alerts to this Telegram chat (numeric id or @channel) for entries, exits,
                              errors, bans and corrections; the bot token in TRANCHE_TELEGRAM_TOKEN.
                              Sessions on live prices only (not replays)
  --telegram-api-url=URL      the Bot API's address (default https://api.telegram.org)
  --alert-webhook=URL         the same alerts as a JSON POST {source, kind, symbol, text, time} to URL
  --env=live|testnet|NAME     keys: the environment (NAME: lower-case letters, digits and dashes)
  --secret-stdin              keys set: read two lines "key\\nsecret" from stdin instead of prompting
  --allow-withdrawals         keys set: store a key even though it can withdraw funds
  --force                     keys set: store a key even though Binance refused it (-1022, -2014, -2015)
  --binance-rest-url=URL      keys set: check the key's permissions there (needed for a custom environment)
  -h, --help                  this help

API keys: the OS keychain (service Tranche, one entry per environment), or BINANCE_API_KEY and
BINANCE_API_SECRET in the environment (headless servers; they take precedence over the keychain).
A secret is never taken from an argument and never printed.
`;
