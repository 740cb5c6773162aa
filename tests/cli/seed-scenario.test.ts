import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { Decimal } from '../../electron/core/money/decimal';
import { floorToStep, roundToTick } from '../../electron/core/money/symbol-rules';
import { seedScenarioCandles } from '../../tools/candles/seed-scenario';
import { writeKlineCsv } from '../../tools/candles/synthetic';
import { inOrder, runCli, type CliResult } from '../helpers/cli';
import { tempDir } from '../helpers/temp';

/**
 * The seed guide's scenario, end to end through the CLI: generated Binance kline CSVs are replayed
 * with config/live-params.json (the seed's three sets) on a paper account of $1000.
 */
describe('startTrading --paper on a replay of the seed scenario', () => {
  let tmp: ReturnType<typeof tempDir>;
  let run: CliResult;
  const candles = seedScenarioCandles();
  const db = () => path.join(tmp.dir, 'ledger.sqlite');

  beforeAll(() => {
    tmp = tempDir();
    writeKlineCsv(path.join(tmp.dir, 'klines'), candles);
    run = runCli([
      'trade',
      '--paper',
      '--parameterSets=config/live-params.json',
      `--market=replay:${path.join(tmp.dir, 'klines')}`,
      `--db=${db()}`,
    ]);
  });
  afterAll(() => tmp.cleanup());

  it('exits 0 with nothing on stderr', () => {
    expect(run.stderr.replace(/npm warn.*\n/g, '')).toBe('');
    expect(run.code).toBe(0);
  });

  it("prints the seed's lines: all three signals trigger, then the skip, stop-loss, insufficient funds, take-profit, rebalanced entry and reversal", () => {
    const result = inOrder(run.lines, [
      '💰 Account balance updated: $1000.00',
      // T+0, T+1, T+2: all three signals trigger
      /^📈 2024-01-15 02:34 BTCUSDT z-score \d+\.\d\d >= 5 \(buy signal\)$/,
      '💼 Reserved $333.00 (33.3%) for BTCUSDT',
      '💼 Total reserved: $333.00 / $1000.00',
      '📝 PAPER BUY: BTCUSDT - Market order executed',
      '   Allocated: $333.00 (33.3%)',
      /^🛡️ OCO placed: BTCUSDT sell 0\.00774 - TP=\d+\.\d+ \(\+15%\), SL=\d+\.\d+ \(-2%, limit \d+\.\d+\)$/,
      '💼 Reserved $333.00 (33.3%) for ETHUSDT',
      '💼 Total reserved: $666.00 / $1000.00',
      '📝 PAPER BUY: ETHUSDT - Market order executed',
      '   Allocated: $333.00 (33.3%)',
      /^🛡️ OCO placed: ETHUSDT .*\(\+22%\), SL=.*\(-6%, limit/,
      '💼 Reserved $333.00 (33.3%) for BNBUSDT',
      '💼 Total reserved: $999.00 / $1000.00',
      '📝 PAPER BUY: BNBUSDT - Market order executed',
      '   Allocated: $333.00 (33.3%)',
      /^🛡️ OCO placed: BNBUSDT .*\(\+20%\), SL=.*\(-30%, limit/,
      // ETH signals again while it holds a position
      'Already have position in ETHUSDT, skipping buy signal',
      // ETH's stop-loss, then its next signal finds BTC and BNB holding $666 of a smaller balance
      /^🛑 STOP LOSS: ETHUSDT sold 0\.1306 @ \d+\.\d+ - PnL -\$2\d\.\d\d \(-6\.\d\d%\)$/,
      '💼 Released $333.00 from ETHUSDT (stop-loss)',
      '❌ Failed to reserve funds for ETHUSDT: Insufficient funds',
      /^ {3}Needs \$3\d\d\.\d\d \(33\.3% of \$9\d\d\.\d\d\), \$3\d\d\.\d\d available$/,
      // BTC's take-profit
      /^✅ TAKE PROFIT: BTCUSDT sold 0\.00774 @ \d+\.\d+ - PnL \+\$4\d\.\d\d \(\+14\.\d\d%\)$/,
      '💼 Released $333.00 from BTCUSDT (take-profit)',
      // Automatic rebalancing: 33.3% of the new balance
      /^💼 Reserved \$34\d\.\d\d \(33\.3%\) for ETHUSDT$/,
      '📝 PAPER BUY: ETHUSDT - Market order executed',
      // BNB's z-score reversal
      /^📉 2024-01-15 08:44 BNBUSDT z-score -\d+\.\d\d <= -7 \(exit signal\)$/,
      /^🔄 Z-SCORE REVERSAL: BNBUSDT sold 1\.083 @ \d+\.\d+ - PnL -\$\d+\.\d\d/,
      '💼 Released $333.00 from BNBUSDT (reversal)',
      '📊 Replay summary',
      /^ {3}Trades: {9}3 \(1 won, 2 lost\) - stop-loss 1, take-profit 1, reversal 1$/,
      'Allocation status:',
    ]);
    expect(result).toEqual({ ok: true });
  });

  it('takes profit at exactly the amounts the candles and filters imply', () => {
    // Recompute BTC's trade from the CSV prices with the paper rules (0.1% fee, 5 bps slippage,
    // BTCUSDT tick 0.01 / step 0.00001), independently of the engine.
    const btc = candles.filter((c) => c.symbol === 'BTCUSDT');
    const avg = roundToTick(new Decimal(btc[30]!.close).mul('1.0005'), new Decimal('0.01'), 'up');
    const qty = floorToStep(new Decimal(333).div(avg), new Decimal('0.00001'));
    const fee = qty.mul('0.001').toDecimalPlaces(8, Decimal.ROUND_UP);
    const sellQty = floorToStep(qty.sub(fee), new Decimal('0.00001'));
    const tp = roundToTick(avg.mul('1.15'), new Decimal('0.01'), 'up');
    const gross = sellQty.mul(tp);
    const pnl = gross.sub(gross.mul('0.001').toDecimalPlaces(8, Decimal.ROUND_UP)).sub(qty.mul(avg));
    const line = run.lines.find((l) => l.startsWith('✅ TAKE PROFIT: BTCUSDT'))!;
    expect(line).toBe(
      `✅ TAKE PROFIT: BTCUSDT sold ${sellQty.toFixed()} @ ${tp.toFixed()} - PnL +$${pnl.toFixed(2)} (+${pnl.div(qty.mul(avg)).mul(100).toFixed(2)}%)`,
    );
  });

  it('ends with the status JSON the ledger file holds: ETH reserved at 33.3% of the rebalanced total', () => {
    const start = run.lines.indexOf('Allocation status:');
    const status = JSON.parse(run.lines.slice(start + 1).join('\n'));
    const file = new Database(db(), { readonly: true });
    try {
      const trades = file.prepare('SELECT symbol, pnl, exit_reason FROM trades ORDER BY exit_time').all() as Array<{
        symbol: string;
        pnl: string;
        exit_reason: string;
      }>;
      expect(trades.map((t) => `${t.symbol} ${t.exit_reason}`)).toEqual([
        'ETHUSDT stop-loss',
        'BTCUSDT take-profit',
        'BNBUSDT reversal',
      ]);
      const total = trades.reduce((a, t) => a.add(t.pnl), new Decimal(1000));
      // ETH re-entered after the stop-loss and the take-profit, before the reversal.
      const totalAtEntry = new Decimal(1000).add(trades[0]!.pnl).add(trades[1]!.pnl);
      const reserved = totalAtEntry.mul('0.333').toDecimalPlaces(8, Decimal.ROUND_DOWN);
      const entry = file.prepare("SELECT created_at, order_ref FROM reservations WHERE symbol = 'ETHUSDT'").get() as {
        created_at: string;
        order_ref: string;
      };
      expect(status).toEqual({
        totalBalance: total.toNumber(),
        totalReserved: reserved.toNumber(),
        availableBalance: total.sub(reserved).toNumber(),
        allocationPercentage: reserved.div(total).mul(100).toDecimalPlaces(4).toNumber(),
        reservations: [
          {
            symbol: 'ETHUSDT',
            reservedAmount: reserved.toNumber(),
            timestamp: '2024-01-15T08:24:59.999Z',
            orderId: entry.order_ref,
          },
        ],
      });
      expect(entry.created_at).toBe('2024-01-15T08:24:59.999Z');
      // The ledger and the paper account agree on the quote balance.
      const quote = (file.prepare("SELECT value FROM meta WHERE key = 'quote_balance'").get() as { value: string })
        .value;
      const paper = file.prepare("SELECT free, locked FROM paper_balances WHERE asset = 'USDT'").get() as {
        free: string;
        locked: string;
      };
      expect(new Decimal(paper.free).add(paper.locked).toFixed()).toBe(quote);
    } finally {
      file.close();
    }
  });

  it('a second run on the same ledger resumes after the last candle and trades nothing twice', () => {
    const again = runCli([
      'trade',
      '--paper',
      '--parameterSets=config/live-params.json',
      `--market=replay:${path.join(tmp.dir, 'klines')}`,
      `--db=${db()}`,
    ]);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('PAPER BUY');
    expect(again.stdout).toMatch(/Candles: +0 /);
    expect(again.stdout).toContain('Trades:         3 (1 won, 2 lost)');
  });

  // Last: it changes the ledger.
  it('clear-allocations says first which ledger it acts on (mode, environment), then what it cleared', () => {
    const r = runCli(['clear-allocations', `--db=${db()}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.lines[0]).toBe(`Ledger ${db()} (paper, replay)`);
    expect(r.stdout).toMatch(/^🧹 Cleared reservation of \$\d+\.\d\d for ETHUSDT$/m);
  });
});
