import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadParameterFile } from '../../electron/app/parameter-file';
import { Decimal } from '../../electron/core/money/decimal';
import { rehearse, type RehearsalResult, type RunKind, type RunResult } from './rehearsal';

/**
 * npm run rehearse -- --parameterSets=FILE --market=DIR [options]: the trader's own parameter sets
 * on their own recorded market, through a replay, paper trading on the local exchange, and live
 * trading on the local exchange, with the trade lists side by side (see rehearsal.ts).
 */

const USAGE = `Usage: npm run rehearse -- --parameterSets=FILE --market=DIR [options]

Plays a recorded market (Binance kline CSV files, <SYMBOL>-<interval>-*.csv, e.g. from
npm run generate-candles or data.binance.vision) three ways through the one engine and prints the
trade lists side by side:
  replay   the replay feed and the paper exchange, as a backtest
  paper    paper trading on the local exchange playing that market, re-stamped to now
  live     live trading on the local exchange's account: every order through the binance client
           over real sockets, the OCOs resting on the local exchange
Faults off, the three lists are equal to the last decimal (one intrabar rule in both simulators).

  --parameterSets=FILE  the parameter sets (the seed's JSON format), e.g. config/live-params.json
  --market=DIR          folder of kline CSV files for every symbol of the sets, at their interval
  --balance=N           starting quote balance (default 1000)
  --fee-rate=F          commission as a fraction, maker and taker (default 0.001)
  --slippage-bps=N      market orders pay this many basis points beyond the price (default 5)
  --runs=LIST           which runs, of replay,paper,live (default all three)
  --faults[=SEED]       switch the local exchange's faults on in the live run (lost answers, 5xx,
                        rate limits, refused OCOs, partial fills, user stream disorder, clock skew),
                        one armed every 100 candles, seeded (default seed 1); a buy whose answer
                        was lost holds its tranche for the engine's 10-minute look-up window, which
                        at rehearsal speed is many candles
  --json=FILE           also write the result as JSON
  -h, --help            this text`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      parameterSets: { type: 'string' },
      market: { type: 'string' },
      balance: { type: 'string', default: '1000' },
      'fee-rate': { type: 'string', default: '0.001' },
      'slippage-bps': { type: 'string', default: '5' },
      runs: { type: 'string', default: 'replay,paper,live' },
      faults: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.parameterSets || !values.market)
    throw new UsageError('--parameterSets=FILE and --market=DIR are both needed');
  const { sets, quoteAsset } = loadParameterFile(values.parameterSets);
  const enabled = sets.filter((s) => s.enabled);
  const runs = values.runs.split(',').map((r) => r.trim()) as RunKind[];
  for (const r of runs)
    if (!['replay', 'paper', 'live'].includes(r))
      throw new UsageError(`--runs takes replay, paper and live; got "${r}"`);
  const balance = decimal('--balance', values.balance);
  const feeRate = decimal('--fee-rate', values['fee-rate']);
  if (feeRate.gte(1)) throw new UsageError('--fee-rate is a fraction, e.g. 0.001 for 0.1 %');
  const slippageBps = Number(values['slippage-bps']);
  if (!Number.isFinite(slippageBps) || slippageBps < 0 || slippageBps > 1000)
    throw new UsageError('--slippage-bps must be a number from 0 to 1000');
  const faultSeed = values.faults === undefined ? undefined : Number(values.faults || '1');
  if (faultSeed !== undefined && !Number.isInteger(faultSeed))
    throw new UsageError('--faults=SEED takes a whole number');

  const workDir = mkdtempSync(path.join(tmpdir(), 'tranche-rehearse-'));
  console.log(
    `Rehearsal of ${enabled.map((s) => `${s.symbol} ${s.allocationPercent}%`).join(', ')} on ${values.market}: ` +
      `${balance.toFixed()} ${quoteAsset}, fee ${feeRate.toFixed()}, slippage ${slippageBps} bps${
        faultSeed !== undefined ? `, faults on (seed ${faultSeed})` : ''
      }`,
  );
  let last = 0;
  try {
    const result = await rehearse({
      sets,
      quoteAsset,
      marketDir: values.market,
      workDir,
      balance,
      feeRate,
      slippageBps,
      runs,
      ...(faultSeed !== undefined ? { faults: { seed: faultSeed } } : {}),
      onProgress: (run, played, total) => {
        const now = Date.now();
        if (played === total || now - last > 1000) {
          last = now;
          process.stdout.write(`  ${run.padEnd(6)} ${played}/${total} candles\n`);
        }
      },
    });
    print(result, quoteAsset);
    if (values.json) writeFileSync(values.json, `${JSON.stringify(result, null, 2)}\n`);
    return Object.values(result.differences).some((d) => d.length > 0) && faultSeed === undefined ? 2 : 0;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

function print(result: RehearsalResult, quote: string): void {
  if (result.shiftMs !== 0)
    console.log(
      `\nThe local exchange re-stamped the recording by +${(result.shiftMs / 86_400_000).toFixed(2)} days to start now.`,
    );
  const [first] = result.runs;
  if (!first) return;
  // One row per trade of the first run; the other runs' trade of the same symbol and rank beside it.
  const rank = (r: RunResult) => {
    const seen = new Map<string, number>();
    return r.trades.map((t) => {
      const k = (seen.get(t.symbol) ?? 0) + 1;
      seen.set(t.symbol, k);
      return `${t.symbol}#${k}`;
    });
  };
  const keys = result.runs.map(rank);
  const order = [...new Set(keys.flat())];
  const head = ['#', 'symbol', ...result.runs.map((r) => `${r.kind}: entry -> exit (reason) PnL`)];
  const rows = order.map((key, i) => [
    String(i + 1),
    key.split('#')[0]!,
    ...result.runs.map((r, k) => cell(r, keys[k]!.indexOf(key))),
  ]);
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  const line = (cells: string[]) => cells.map((c, k) => c.padEnd(widths[k]!)).join('  ');
  console.log(`\n${line(head)}`);
  for (const r of rows) console.log(line(r));
  console.log('');
  for (const r of result.runs) {
    const pnl = r.trades.reduce((a, t) => a.add(t.pnl), new Decimal(0));
    console.log(
      `${r.kind.padEnd(6)} ${r.candles} candles, ${r.trades.length} trades, PnL ${pnl.toFixed(8)} ${quote}, final ${quote} ${r.finalQuote}` +
        `${r.open.length ? `, still open: ${r.open.join(', ')}` : ''}`,
    );
    for (const w of r.warnings.slice(0, 5)) console.log(`       ! ${w}`);
    if (r.warnings.length > 5) console.log(`       ! ... ${r.warnings.length - 5} more warnings`);
  }
  for (const [kind, diffs] of Object.entries(result.differences)) {
    if (diffs.length === 0) console.log(`${kind} = ${first.kind}: the same trades, to the last decimal`);
    else {
      console.log(`${kind} differs from ${first.kind} in ${diffs.length} field(s):`);
      for (const d of diffs.slice(0, 10)) console.log(`  ${d}`);
    }
  }
  if (result.faults) {
    const list = Object.entries(result.faults)
      .map(([k, v]) => `${k} x${v}`)
      .join(', ');
    console.log(`faults armed in the live run: ${list || 'none'}`);
  }
}

function cell(r: RunResult, i: number): string {
  const t = i >= 0 ? r.trades[i] : undefined;
  return t ? `${t.entryPrice} -> ${t.exitPrice} (${t.exitReason}) ${t.pnl}` : '-';
}

class UsageError extends Error {}

function decimal(name: string, text: string): Decimal {
  if (!/^\d+(\.\d+)?$/.test(text)) throw new UsageError(`${name} must be a positive decimal number; got "${text}"`);
  return new Decimal(text);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`rehearse: ${message}`);
    if (err instanceof UsageError || err instanceof ConfigError) console.error(`\n${USAGE}`);
    process.exitCode = 1;
  },
);
