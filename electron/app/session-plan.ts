/**
 * What a trading session will use, checked before any file is created: the market (live Binance
 * data or a replay folder) and the ledger's location. The CLI, the headless host and the desktop
 * app parse and check these here, so they refuse the same input with the same words.
 */
import fs from 'node:fs';
import path from 'node:path';
import { replayDataProblem } from '../adapters/replay/replay-feed';
import type { ParameterSet } from '../../shared/params/schema';
import type { MarketChoice } from './market-choice';

/** A session that cannot start as asked; nothing was opened or written. */
export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanError';
  }
}

/** Binance endpoints for market data when the market is `binance` (a test exchange, a mirror). */
export interface MarketEndpoints {
  restBaseUrl?: string | undefined;
  wsBaseUrl?: string | undefined;
}

/**
 * `binance` (the default) or `replay:DIR`. `flag` names the option in messages (`--market` on the
 * command line, `market` for the host).
 */
export function parseMarketChoice(
  raw: string | undefined,
  endpoints: MarketEndpoints = {},
  flag = '--market',
): MarketChoice {
  const m = raw ?? 'binance';
  if (m === 'binance') {
    return {
      kind: 'binance',
      ...(endpoints.restBaseUrl ? { restBaseUrl: endpoints.restBaseUrl } : {}),
      ...(endpoints.wsBaseUrl ? { wsBaseUrl: endpoints.wsBaseUrl } : {}),
    };
  }
  if (m.startsWith('replay:') && m.length > 'replay:'.length)
    return { kind: 'replay', dir: path.resolve(m.slice('replay:'.length)) };
  throw new PlanError(
    `${flag}=${m} is not understood; use ${flag}=binance (live market data) or ${flag}=replay:DIR (Binance kline CSV files in DIR)`,
  );
}

/** A replay folder must hold the CSV files of every enabled set (symbol and interval). */
export function checkMarketData(market: MarketChoice, sets: readonly ParameterSet[]): void {
  if (market.kind !== 'replay') return;
  const subs = sets.filter((s) => s.enabled).map((s) => ({ symbol: s.symbol, interval: s.interval }));
  const problem = replayDataProblem(market.dir, subs);
  if (problem) throw new PlanError(problem);
}

/**
 * A ledger file the user named: its folder must exist (it is not created behind their back: a typo
 * would start a fresh ledger somewhere unexpected) and the path must not be a folder.
 */
export function checkLedgerLocation(file: string, flag = '--db'): void {
  const abs = path.resolve(file);
  const dir = path.dirname(abs);
  let isDir: boolean;
  try {
    isDir = fs.statSync(dir).isDirectory();
  } catch {
    throw new PlanError(`${flag}=${file}: the folder ${dir} does not exist; create it first or choose another path`);
  }
  if (!isDir) throw new PlanError(`${flag}=${file}: ${dir} is not a folder`);
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(abs);
  } catch {
    stat = undefined; // a new ledger: created when trading starts
  }
  if (stat?.isDirectory())
    throw new PlanError(
      `${flag}=${file} is a folder; name the ledger file (for example ${path.join(file, 'paper.sqlite')})`,
    );
}
