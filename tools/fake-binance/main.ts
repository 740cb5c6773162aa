import { parseArgs } from 'node:util';
import { KLINE_INTERVALS, intervalMs, type KlineInterval } from '../../shared/market/intervals';
import { EXAMPLE_ACCOUNT } from './accounts';
import type { MarketMode } from './price-driver';
import { startFakeBinance } from './server';

/**
 * npm run fake-binance -- [--port 9443] [--symbols BTCUSDT,ETHUSDT] [--interval 1m] [--days 2] [--seed 1]
 *                         [--tick-ms 1000] [--speed 1] [--replay DIR]
 *
 * Serves a local Binance spot exchange: a seeded synthetic market in real time (or faster), or a
 * replay of kline CSV files, with history for REST warm-ups, trades and klines on the streams, and
 * the signed trading endpoints and user data stream for the example account printed at the start.
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
  --replay DIR        replay <SYMBOL>-<interval>-*.csv files from DIR instead, one candle per --tick-ms`;

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

  const market: MarketMode = values.replay
    ? { kind: 'replay', dir: values.replay, interval, candleMs: tickMs }
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
  const fake = await startFakeBinance({ symbols, port, market, accounts: [EXAMPLE_ACCOUNT] });

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
  console.log(`    balances    ${JSON.stringify(EXAMPLE_ACCOUNT.balances)}`);
  console.log('Press Ctrl+C to stop.');

  const stop = (): void => {
    void fake.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`fake-binance: ${err instanceof Error ? err.message : String(err)}`);
  console.error(USAGE);
  process.exitCode = 1;
});
