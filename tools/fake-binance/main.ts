import { parseArgs } from 'node:util';
import { KLINE_INTERVALS, intervalMs, type KlineInterval } from '../../shared/market/intervals';
import { EXAMPLE_ACCOUNT } from './accounts';
import type { MarketMode } from './price-driver';
import { startFakeBinance } from './server';

/**
 * npm run fake-binance -- [options] (see USAGE)
 *
 * Serves a local Binance spot exchange: a seeded synthetic market in real time (or faster), or a
 * replay of kline CSV files (re-stamped to start now, traded within each candle), with history for
 * REST warm-ups, trades and klines on the streams, and the signed trading endpoints and user data
 * stream for the example account printed at the start (its balances, commission, spread and
 * slippage from the options).
 */

const USAGE = `Usage: npm run fake-binance -- [options]
  --port N            port on 127.0.0.1 (default 0: the OS picks one)
  --symbols A,B       symbols to serve (default BTCUSDT,ETHUSDT)
  --interval 1m       kline interval streamed live (default 1m)
  --days 2            days of history before now (default 2; synthetic market)
  --seed 1            random seed (default 1)
  --tick-ms 1000      real time between trades (default 1000)
  --speed 1           market time per real time, e.g. 60 closes a 1m candle every second (default 1)
  --volatility 0.001  per-candle volatility (default 0.001)
  --jumps 0.01        chance per candle of a jump of about 2 % (default 0.01)
  --replay DIR        replay <SYMBOL>-<interval>-*.csv files from DIR instead, one candle per --tick-ms,
                      re-stamped so that the first played candle opens now, each candle traded through
                      open, low, high, close before it closes
  --history N         replay: candles of each file served as REST history instead of played (default 500)
  --keep-times        replay: keep the recorded times (a trading engine then only warms up on them)
  --candles-only      replay: closed candles only, no trades within them
  --balance A=N,...   the example account's balances (default USDT=10000), e.g. USDT=1000,BNB=0.5
  --commission F      maker and taker commission as a fraction (default 0.001)
  --spread F          bid-ask spread as a fraction of the price; a market order pays half (default 0)
  --slippage F        extra fraction a market order pays beyond the spread (default 0)`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      symbols: { type: 'string', default: 'BTCUSDT,ETHUSDT' },
      interval: { type: 'string', default: '1m' },
      days: { type: 'string', default: '2' },
      seed: { type: 'string', default: '1' },
      'tick-ms': { type: 'string', default: '1000' },
      speed: { type: 'string', default: '1' },
      volatility: { type: 'string', default: '0.001' },
      jumps: { type: 'string', default: '0.01' },
      replay: { type: 'string' },
      history: { type: 'string', default: '500' },
      'keep-times': { type: 'boolean', default: false },
      'candles-only': { type: 'boolean', default: false },
      balance: { type: 'string', default: 'USDT=10000' },
      commission: { type: 'string', default: '0.001' },
      spread: { type: 'string', default: '0' },
      slippage: { type: 'string', default: '0' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const interval = values.interval as KlineInterval;
  if (!(interval in KLINE_INTERVALS)) throw new Error(`unknown interval "${values.interval}"`);
  const symbols = values.symbols
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  const port = Number(values.port);
  const days = Number(values.days);
  const seed = Math.trunc(Number(values.seed));
  const tickMs = Math.max(10, Number(values['tick-ms']));
  const speed = Number(values.speed);
  const volatility = Number(values.volatility);
  const jumps = Number(values.jumps);
  if (![port, days, seed, tickMs, speed, volatility, jumps].every(Number.isFinite))
    throw new Error('numeric options must be numbers');
  const history = nonNegative('--history', values.history);
  const commission = fraction('--commission', values.commission);
  const spread = fraction('--spread', values.spread);
  const slippage = fraction('--slippage', values.slippage);
  const balances = parseBalances(values.balance);

  const market: MarketMode = values.replay
    ? {
        kind: 'replay',
        dir: values.replay,
        interval,
        candleMs: tickMs,
        historyCandles: history,
        restamp: !values['keep-times'],
        trades: !values['candles-only'],
      }
    : {
        kind: 'synthetic',
        seed,
        interval,
        volatility,
        jumpProbability: jumps,
        tickMs,
        speed,
        historyCandles: Math.round((days * 86_400_000) / intervalMs(interval)),
      };
  const account = { ...EXAMPLE_ACCOUNT, balances };
  const fake = await startFakeBinance({
    symbols,
    port,
    market,
    accounts: [account],
    commission: { maker: commission, taker: commission },
    spread: Number(spread),
    slippage: Number(slippage),
  });

  const source = values.replay ? `replay of ${values.replay}` : `synthetic, seed ${seed}, speed x${speed}`;
  console.log(`fake-binance serving ${symbols.join(', ')} (${interval}, ${source})`);
  console.log(
    `  REST     ${fake.restUrl}   (e.g. ${fake.restUrl}/api/v3/klines?symbol=${symbols[0]}&interval=${interval}&limit=5)`,
  );
  console.log(
    `  streams  ${fake.wsUrl}/stream?streams=${symbols.map((s) => `${s.toLowerCase()}@kline_${interval}`).join('/')}`,
  );
  console.log(`  WS API   ${fake.wsApiUrl}   (user data stream: userDataStream.subscribe.signature)`);
  console.log('  test account (fake credentials, only valid here):');
  console.log(`    API key     ${EXAMPLE_ACCOUNT.apiKey}`);
  console.log(`    API secret  ${EXAMPLE_ACCOUNT.apiSecret}`);
  console.log(`    balances    ${JSON.stringify(balances)}`);
  console.log(`  commission ${commission}, spread ${spread}, slippage ${slippage}`);
  if (fake.driver && fake.driver.shiftMs !== 0) {
    const shiftDays = (fake.driver.shiftMs / 86_400_000).toFixed(2);
    console.log(
      `  re-stamped: every recorded time moved ${fake.driver.shiftMs > 0 ? '+' : ''}${shiftDays} days, so that the first played candle opens now`,
    );
  }
  console.log('Press Ctrl+C to stop.');

  const stop = (): void => {
    void fake.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function fraction(name: string, text: string): string {
  const x = Number(text);
  if (!Number.isFinite(x) || x < 0 || x >= 1)
    throw new Error(`${name} must be a fraction from 0 to below 1, e.g. 0.001; got "${text}"`);
  return text;
}

function nonNegative(name: string, text: string): number {
  const x = Number(text);
  if (!Number.isInteger(x) || x < 0)
    throw new Error(`${name} must be a whole number of candles, 0 or more; got "${text}"`);
  return x;
}

/** "USDT=1000,BNB=0.5" -> { USDT: '1000', BNB: '0.5' }. */
function parseBalances(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([A-Z0-9]{2,20})=(\d+(\.\d{1,8})?)$/.exec(part.toUpperCase());
    if (!m)
      throw new Error(`--balance takes ASSET=AMOUNT pairs separated by commas, e.g. USDT=1000,BNB=0.5; got "${part}"`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

main().catch((err: unknown) => {
  console.error(`fake-binance: ${err instanceof Error ? err.message : String(err)}`);
  console.error(USAGE);
  process.exitCode = 1;
});
